using System.Text;
using Facteur.Accounts.Passwords;

namespace Facteur.Accounts.Tests;

/// <summary>
/// Argon2 through libsodium (what Dovecot uses) and through the managed fallback give the same answers:
/// each verifies the other's hashes, the reference vectors, and refuses the wrong password.
/// </summary>
public sealed class Argon2NativeTests
{
    [Fact]
    public void Libsodium_is_loaded_on_this_machine()
    {
        // test.sh installs libsodium23 (Dovecot depends on it too); without it every other test here
        // would silently compare the managed code with itself.
        Assert.True(SodiumArgon2.IsAvailable, "libsodium.so.23 did not load: apt-get install -y libsodium23");
    }

    [Theory]
    [InlineData("argon2id")]
    [InlineData("argon2i")]
    public void A_native_hash_verifies_in_managed_code_and_the_other_way_round(string variant)
    {
        var scheme = variant == "argon2i" ? Argon2Scheme.Argon2i : Argon2Scheme.Argon2id;
        var prefix = "$" + variant + "$";
        var native = scheme.Hash("Tëranga 2026", native: true, memoryKiB: 1024, iterations: 3);
        var managed = scheme.Hash("Tëranga 2026", native: false, memoryKiB: 1024, iterations: 3);

        Assert.StartsWith(prefix + "v=19$m=1024,t=3,p=1$", native, StringComparison.Ordinal);
        Assert.StartsWith(prefix + "v=19$m=1024,t=3,p=1$", managed, StringComparison.Ordinal);
        foreach (var hash in new[] { native, managed })
        {
            foreach (var useNative in new[] { true, false })
            {
                Assert.True(scheme.Verify("Tëranga 2026", hash, useNative), $"{hash} native={useNative}");
                Assert.False(scheme.Verify("Teranga 2026", hash, useNative), $"{hash} native={useNative}");
            }
        }
    }

    [Fact]
    public void Several_lanes_verify_natively_as_in_the_managed_code()
    {
        // Other tools (argon2 CLI, PHP's password_hash) write p>1; libsodium only writes p=1 but reads any.
        var salt = Encoding.ASCII.GetBytes("saltsaltsaltsalt");
        var tag = Argon2Scheme.Compute(Argon2Variant.Argon2id, Encoding.UTF8.GetBytes("lanes"), salt, 256, 2, 4, 32);
        var hash = "$argon2id$v=19$m=256,t=2,p=4$" + Convert.ToBase64String(salt).TrimEnd('=') + "$" + Convert.ToBase64String(tag).TrimEnd('=');

        Assert.True(Argon2Scheme.Argon2id.Verify("lanes", hash, native: true));
        Assert.False(Argon2Scheme.Argon2id.Verify("lanes!", hash, native: true));
    }

    [Fact]
    public void The_reference_vector_verifies_natively()
    {
        // phc-winner-argon2 src/test.c: argon2id and argon2i, t=2, m=2^16, p=1, "password", "somesalt".
        const string Id = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        const string I = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";

        Assert.True(Argon2Scheme.Argon2id.Verify("password", Id, native: true));
        Assert.True(Argon2Scheme.Argon2i.Verify("password", I, native: true));
        Assert.True(Argon2Scheme.Argon2i.Verify("password", I, native: false));
        Assert.False(Argon2Scheme.Argon2i.Verify("passwore", I, native: true));
    }

    [Theory]
    [InlineData("{ARGON2I}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{ARGON2I}$argon2i$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA")]
    public void The_scheme_name_and_bounds_are_checked_before_libsodium_sees_the_string(string stored)
    {
        Assert.Equal(PasswordCheckOutcome.Malformed, PasswordVerifier.Verify("password", stored).Outcome);
    }

    [Fact]
    public void New_default_hashes_are_made_by_libsodium_with_dovecots_parameters()
    {
        var stored = PasswordHasher.Hash("correct horse");

        Assert.Matches(@"^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", stored);
        Assert.True(Argon2Scheme.Argon2id.Verify("correct horse", stored["{ARGON2ID}".Length..], native: false));
    }
}
