namespace Facteur.Accounts.Tests;

public sealed class PasswordAuthenticatorTests
{
    [Fact]
    public async Task The_right_password_returns_the_user_as_written_in_the_accounts_file()
    {
        using var setup = new AccountsSetup("Alice@ESP.sn:{PLAIN}s3cret:::::\n");

        Assert.Equal("Alice@ESP.sn", await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "s3cret"));
        Assert.Equal("Alice@ESP.sn", await setup.Authenticator.AuthenticateAsync("ALICE@esp.SN", "s3cret"));
    }

    [Fact]
    public async Task A_wrong_password_or_unknown_user_fails()
    {
        using var setup = new AccountsSetup("alice@esp.sn:{PLAIN}s3cret:::::\n");

        Assert.Null(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "S3cret"));
        Assert.Null(await setup.Authenticator.AuthenticateAsync("bob@esp.sn", "s3cret"));
        Assert.Null(await setup.Authenticator.AuthenticateAsync("alice", "s3cret"));
        Assert.Null(await setup.Authenticator.AuthenticateAsync("alice+tag@esp.sn", "s3cret"));
    }

    [Fact]
    public async Task Every_supported_scheme_authenticates()
    {
        using var setup = new AccountsSetup("""
            argon@esp.sn:{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            blf@esp.sn:{BLF-CRYPT}$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW
            sha512@esp.sn:{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1
            sha256@esp.sn:{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5
            ssha@esp.sn:{SSHA512}f/lFQskkl7PdMsTGJxHZq8LDt/l+UqRMm6/pj4pV7/xZkcOaKCgvQqp+KCeXc/Vd4RY6vEHWn4y0DnFcQ6wgyv9fyxk=
            """);

        Assert.Equal("argon@esp.sn", await setup.Authenticator.AuthenticateAsync("argon@esp.sn", "password"));
        Assert.Equal("blf@esp.sn", await setup.Authenticator.AuthenticateAsync("blf@esp.sn", "U*U"));
        Assert.Equal("sha512@esp.sn", await setup.Authenticator.AuthenticateAsync("sha512@esp.sn", "Hello world!"));
        Assert.Equal("sha256@esp.sn", await setup.Authenticator.AuthenticateAsync("sha256@esp.sn", "Hello world!"));
        Assert.Equal("ssha@esp.sn", await setup.Authenticator.AuthenticateAsync("ssha@esp.sn", "password"));
    }

    [Fact]
    public async Task An_unknown_scheme_fails_with_a_logged_warning_not_an_exception()
    {
        using var setup = new AccountsSetup("old@esp.sn:{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/:::::\nbad@esp.sn:{ARGON2ID}$argon2id$garbage\n");

        Assert.Null(await setup.Authenticator.AuthenticateAsync("old@esp.sn", "password"));
        Assert.Null(await setup.Authenticator.AuthenticateAsync("bad@esp.sn", "password"));
        Assert.Contains(setup.Logs.Warnings, w => w.Contains("MD5-CRYPT", StringComparison.Ordinal) && w.Contains("old@esp.sn", StringComparison.Ordinal));
        Assert.Contains(setup.Logs.Warnings, w => w.Contains("malformed", StringComparison.Ordinal) && w.Contains("bad@esp.sn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_password_never_appears_in_the_logs()
    {
        using var setup = new AccountsSetup("alice@esp.sn:{PLAIN}s3cret-value:::::\n");

        await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "wrong-guess-value");
        await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "s3cret-value");

        Assert.NotEmpty(setup.Logs.Entries);
        Assert.DoesNotContain(setup.Logs.Entries, e => e.Message.Contains("guess-value", StringComparison.Ordinal) || e.Message.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_accounts_file_means_no_users_and_one_warning()
    {
        using var setup = new AccountsSetup();
        File.Delete(setup.Options.AccountsFile);

        for (var i = 0; i < 3; i++)
        {
            setup.Time.Advance(TimeSpan.FromSeconds(2));
            Assert.Null(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "x"));
        }

        Assert.Single(setup.Logs.Warnings, w => w.Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_changed_password_takes_effect_after_the_file_changes()
    {
        using var setup = new AccountsSetup("alice@esp.sn:{PLAIN}old:::::\n");
        Assert.NotNull(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "old"));

        // Replace the file the way the CLI does (a new file renamed over the old one).
        var temp = setup.Folder.Write("accounts.new", "alice@esp.sn:{PLAIN}new-password:::::\n");
        File.Move(temp, setup.Options.AccountsFile, overwrite: true);
        setup.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "old"));
        Assert.NotNull(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "new-password"));
    }

    [Fact]
    public async Task A_rewrite_within_the_same_second_and_with_the_same_size_is_still_seen()
    {
        using var setup = new AccountsSetup("alice@esp.sn:{PLAIN}aaaa:::::\n");
        Assert.NotNull(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "aaaa"));
        var stamp = File.GetLastWriteTimeUtc(setup.Options.AccountsFile);

        // Same length, same mtime: what a file system with one-second timestamps shows after a quick passwd.
        File.WriteAllText(setup.Options.AccountsFile, "alice@esp.sn:{PLAIN}bbbb:::::\n");
        File.SetLastWriteTimeUtc(setup.Options.AccountsFile, stamp);
        setup.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.NotNull(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "bbbb"));
        Assert.Null(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "aaaa"));
    }

    [Fact]
    public async Task A_file_deleted_right_after_it_was_written_is_warned_about_once()
    {
        using var setup = new AccountsSetup("alice@esp.sn:{PLAIN}a:::::\n");
        Assert.NotNull(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "a"));

        File.Delete(setup.Options.AccountsFile);
        for (var i = 0; i < 3; i++)
        {
            setup.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Null(await setup.Authenticator.AuthenticateAsync("alice@esp.sn", "a"));
        }

        Assert.Single(setup.Logs.Warnings, w => w.Contains("does not exist", StringComparison.Ordinal));
    }
}
