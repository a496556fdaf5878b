using Facteur.Accounts.Passwords;

namespace Facteur.Migration.Tests;

/// <summary>{CRYPT} hashes made by the system's own tools verify, as Dovecot's {CRYPT} verifies them.</summary>
public sealed class SystemCryptTests
{
    private const string Password = "Sésame, ouvre-toi 1";

    public static TheoryData<string, string[]> MadeBySystemTools() => new()
    {
        { "openssl", ["passwd", "-6", Password] },
        { "openssl", ["passwd", "-5", Password] },
        { "openssl", ["passwd", "-1", Password] },
        { "mkpasswd", ["-m", "yescrypt", Password] },
        { "mkpasswd", ["-m", "sha512crypt", Password] },
        { "mkpasswd", ["-m", "bcrypt", Password] },
        { "python3", ["-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.METHOD_SHA512))", Password] },
        { "python3", ["-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.METHOD_BLOWFISH))", Password] },
    };

    [Theory]
    [MemberData(nameof(MadeBySystemTools))]
    public void A_crypt_hash_made_by_a_system_tool_verifies_with_the_right_password_only(string tool, string[] args)
    {
        var hash = Cli.Tool(tool, args).Trim();

        Assert.True(PasswordVerifier.Verify(Password, "{CRYPT}" + hash).Matches, hash);
        Assert.False(PasswordVerifier.Verify(Password + "x", "{CRYPT}" + hash).Matches, hash);
        Assert.Equal(PasswordCheckOutcome.Mismatch, PasswordVerifier.Verify("", "{CRYPT}" + hash).Outcome);
    }

    [Fact]
    public void A_yescrypt_hash_set_by_chpasswd_in_a_shadow_file_verifies_and_dovecot_agrees()
    {
        using var scratch = new Scratch();
        Directory.CreateDirectory(scratch["etc"]);
        File.WriteAllText(scratch["etc/passwd"], "alice:x:1000:1000::/home/alice:/bin/sh\n");
        File.WriteAllText(scratch["etc/shadow"], "alice:!:20000:0:99999:7:::\n");
        Cli.Tool("chpasswd", ["-R", scratch.Path, "-c", "YESCRYPT"], $"alice:{Password}\n");
        var hash = File.ReadAllText(scratch["etc/shadow"]).Split(':')[1];
        Assert.StartsWith("$y$", hash, StringComparison.Ordinal);

        Assert.True(PasswordVerifier.Verify(Password, "{CRYPT}" + hash).Matches);
        Assert.False(PasswordVerifier.Verify("sesame", "{CRYPT}" + hash).Matches);
        // The same stored field, checked by Dovecot itself.
        Assert.Contains("(verified)", Cli.Tool("doveadm", ["pw", "-t", "{CRYPT}" + hash, "-p", Password]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("*")]
    [InlineData("!$y$j9T$abc$def")]
    [InlineData("*0")]
    public void Locked_or_failed_crypt_fields_never_match(string field)
    {
        Assert.False(PasswordVerifier.Verify("", "{CRYPT}" + field).Matches);
        Assert.False(PasswordVerifier.Verify("anything", "{CRYPT}" + field).Matches);
    }
}
