using System.Diagnostics;
using Facteur.Accounts.Passwords;

namespace Facteur.Accounts.Tests;

/// <summary>Skipped (with this reason) when Dovecot's doveadm is not installed.</summary>
public sealed class DoveadmFactAttribute : FactAttribute
{
    public DoveadmFactAttribute()
    {
        if (Doveadm.Path is null)
        {
            Skip = "doveadm is not installed (apt-get install -y dovecot-core)";
        }
    }
}

internal static class Doveadm
{
    public static string? Path { get; } = new[] { "/usr/bin/doveadm", "/usr/local/bin/doveadm" }.FirstOrDefault(File.Exists);

    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException("doveadm did not finish in 30 s");
        }

        return (process.ExitCode, (output.Result + error.Result).Trim());
    }
}

/// <summary>Facteur and Dovecot read each other's hashes (Dovecot is the format's reference).</summary>
public sealed class DoveadmInteropTests
{
    [DoveadmFact]
    public void Hashes_made_by_doveadm_verify_in_facteur()
    {
        foreach (var scheme in new[] { "ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "SSHA512" })
        {
            var (exit, stored) = Doveadm.Run("pw", "-s", scheme, "-p", "Tëranga 2026");
            Assert.True(exit == 0, stored);
            Assert.StartsWith("{" + scheme + "}", stored, StringComparison.Ordinal);

            Assert.True(PasswordVerifier.Verify("Tëranga 2026", stored).Matches, stored);
            Assert.False(PasswordVerifier.Verify("Teranga 2026", stored).Matches, stored);
        }
    }

    [DoveadmFact]
    public void Hashes_made_by_facteur_verify_in_doveadm()
    {
        foreach (var scheme in PasswordHasher.Schemes)
        {
            var stored = PasswordHasher.Hash("Tëranga 2026", scheme);

            var good = Doveadm.Run("pw", "-t", stored, "-p", "Tëranga 2026");
            var bad = Doveadm.Run("pw", "-t", stored, "-p", "Teranga 2026");

            Assert.True(good.ExitCode == 0, good.Output);
            Assert.Contains("verified", good.Output, StringComparison.Ordinal);
            Assert.NotEqual(0, bad.ExitCode);
        }
    }
}
