using System.Text;
using Facteur.Accounts.Passwords;

namespace Facteur.Accounts.Tests;

public sealed class PasswordSchemeTests
{
    // crypt_blowfish's wrapper.c self-test vectors (Openwall), ASCII passwords only: for those $2a$, $2b$ and $2y$ agree.
    public static TheoryData<string, string> BcryptVectors => new()
    {
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U" },
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*" },
        { "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U" },
        { "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored" },
        { "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", "" },
    };

    // passlib's known-correct ldap_salted_sha512 hashes.
    public static TheoryData<string, string> Ssha512Vectors => new()
    {
        { "{SSHA512}f/lFQskkl7PdMsTGJxHZq8LDt/l+UqRMm6/pj4pV7/xZkcOaKCgvQqp+KCeXc/Vd4RY6vEHWn4y0DnFcQ6wgyv9fyxk=", "password" },
        { "{SSHA512}wExp4xjiCHS0zidJDC4UJq9EEeIebAQPJ1PWSwfhxWjfutI9XiiKuHm2AE41cEFfK+8HyI8bh+ztbczUGsvVFIgICWWPt7qu", "toomanysecrets" },
        { "{SSHA512}Tgx/uhHnlM9/GgQvI31dN7cheDXg7WypZwaaIkyRsgV/BKIzBG3G/wUd9o1dpi06p3SYzMedg0lvTc3b6CtdO0Xo/f9/L+Uc", "test" },
        { "{SSHA512}mpNUSmZc3TNx+RnPwkIAVMf7ocEKLPrIoQNsg4Eu8dHvyCeb2xzHp5A6n4tF7ntknSvfvRZaJII4ImvNJlYsgiwAm0FMqR+3", "letmèïn" },
    };

    [Theory]
    [MemberData(nameof(BcryptVectors))]
    public void Blf_crypt_verifies_the_openwall_vectors_in_every_prefix(string hash, string password)
    {
        foreach (var prefix in new[] { "$2a$", "$2b$", "$2y$" })
        {
            var stored = "{BLF-CRYPT}" + prefix + hash[4..];
            Assert.True(PasswordVerifier.Verify(password, stored).Matches, stored);
            Assert.False(PasswordVerifier.Verify("!" + password, stored).Matches, stored); // bcrypt ignores bytes after the 72nd
        }
    }

    [Theory]
    [MemberData(nameof(Ssha512Vectors))]
    public void Ssha512_verifies_the_passlib_vectors(string stored, string password)
    {
        Assert.True(PasswordVerifier.Verify(password, stored).Matches);
        Assert.False(PasswordVerifier.Verify(password.ToUpperInvariant() + "?", stored).Matches);
    }

    [Fact]
    public void Argon2id_verifies_the_reference_implementation_vector()
    {
        // phc-winner-argon2 src/test.c: argon2id, t=2, m=2^16, p=1, "password", "somesalt".
        const string Stored = "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

        Assert.True(PasswordVerifier.Verify("password", Stored).Matches);
        Assert.False(PasswordVerifier.Verify("passwore", Stored).Matches);
    }

    [Fact]
    public void Argon2id_computes_the_rfc_9106_test_vector()
    {
        // RFC 9106 section 5.3: password 32×0x01, salt 16×0x02, secret 8×0x03, associated data 12×0x04, m=32, t=3, p=4.
        var tag = Argon2Scheme.Compute(
            Argon2Variant.Argon2id,
            Enumerable.Repeat((byte)1, 32).ToArray(),
            Enumerable.Repeat((byte)2, 16).ToArray(),
            memoryKiB: 32,
            iterations: 3,
            parallelism: 4,
            length: 32,
            secret: Enumerable.Repeat((byte)3, 8).ToArray(),
            associatedData: Enumerable.Repeat((byte)4, 12).ToArray());

        Assert.Equal("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", Convert.ToHexStringLower(tag));
    }

    [Fact]
    public void A_new_argon2id_hash_has_dovecots_parameters_and_verifies()
    {
        var stored = PasswordHasher.Hash("correct horse");

        Assert.Matches(@"^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", stored);
        Assert.True(PasswordVerifier.Verify("correct horse", stored).Matches);
        Assert.False(PasswordVerifier.Verify("correct horse ", stored).Matches);
        Assert.NotEqual(stored, PasswordHasher.Hash("correct horse")); // a fresh salt each time
    }

    [Fact]
    public void A_new_blf_crypt_hash_is_2y_and_verifies()
    {
        var stored = PasswordHasher.Hash("s3cret", PasswordHasher.BlfCrypt);

        Assert.StartsWith("{BLF-CRYPT}$2y$12$", stored, StringComparison.Ordinal);
        Assert.True(PasswordVerifier.Verify("s3cret", stored).Matches);
        Assert.False(PasswordVerifier.Verify("s3creT", stored).Matches);
    }

    [Fact]
    public void Plain_compares_the_password_itself()
    {
        Assert.True(PasswordVerifier.Verify("pass word", "{PLAIN}pass word").Matches);
        Assert.True(PasswordVerifier.Verify("pass word", "{CLEAR}pass word").Matches);
        Assert.False(PasswordVerifier.Verify("pass", "{PLAIN}pass word").Matches);
    }

    [Theory]
    [InlineData("{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "MD5-CRYPT")]
    [InlineData("{NTLM}8846f7eaee8fb117ad06bdd830b7586c", "NTLM")]
    [InlineData("plaintext-without-scheme", "CRYPT")]
    [InlineData("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "CRYPT")]
    public void An_unknown_scheme_is_a_failed_check_not_an_exception(string stored, string scheme)
    {
        var check = PasswordVerifier.Verify("password", stored);

        Assert.Equal(PasswordCheckOutcome.UnknownScheme, check.Outcome);
        Assert.Equal(scheme, check.Scheme);
    }

    [Theory]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ")]
    [InlineData("{ARGON2ID}$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{ARGON2ID}$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{BLF-CRYPT}$2a$05$short")]
    [InlineData("{BLF-CRYPT}$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")]
    [InlineData("{SHA512-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5")]
    [InlineData("{SHA512-CRYPT}$6$rounds=abc$salt$x")]
    [InlineData("{SSHA512}not*base64")]
    [InlineData("{SSHA512}c2hvcnQ=")]
    public void A_malformed_hash_is_a_failed_check_not_an_exception(string stored)
    {
        var check = PasswordVerifier.Verify("password", stored);

        Assert.Equal(PasswordCheckOutcome.Malformed, check.Outcome);
        Assert.False(check.Matches);
    }

    [Fact]
    public void Passwords_are_hashed_as_utf8()
    {
        var salt = Encoding.ASCII.GetBytes("somesalt");
        var direct = Argon2Scheme.Compute(Argon2Variant.Argon2id, Encoding.UTF8.GetBytes("mot de passe é"), salt, 64, 1, 1, 32);
        var stored = "{ARGON2ID}$argon2id$v=19$m=64,t=1,p=1$" + Convert.ToBase64String(salt).TrimEnd('=') + "$" + Convert.ToBase64String(direct).TrimEnd('=');

        Assert.True(PasswordVerifier.Verify("mot de passe é", stored).Matches);
        Assert.False(PasswordVerifier.Verify("mot de passe e", stored).Matches);
    }
}
