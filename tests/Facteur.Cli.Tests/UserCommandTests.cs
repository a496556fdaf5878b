using Facteur.Accounts.Passwords;

namespace Facteur.Cli.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UserCommandTests : IDisposable
{
    private readonly CliFixture _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void User_add_reads_the_password_from_stdin_and_writes_an_argon2id_passwd_line()
    {
        var result = _cli.Run("Tëranga-2026\n", "user", "add", "alice@esp.sn");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("user alice@esp.sn added", result.Output.Trim());
        var line = Assert.Single(_cli.AccountLines());
        Assert.Matches(@"^alice@esp\.sn:\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+:::::$", line);
        var hash = line.Split(':')[1];
        Assert.True(PasswordVerifier.Verify("Tëranga-2026", hash).Matches);
        Assert.False(PasswordVerifier.Verify("Tëranga-2026\n", hash).Matches);
    }

    [Fact]
    public void User_add_can_write_a_blf_crypt_hash()
    {
        var result = _cli.Run("pw\n", "user", "add", "bob@esp.sn", "--scheme", "blf-crypt");

        Assert.Equal(0, result.ExitCode);
        var hash = Assert.Single(_cli.AccountLines()).Split(':')[1];
        Assert.StartsWith("{BLF-CRYPT}$2y$", hash, StringComparison.Ordinal);
        Assert.True(PasswordVerifier.Verify("pw", hash).Matches);
    }

    [Fact]
    public void User_add_with_an_unknown_scheme_is_a_usage_error()
    {
        var result = _cli.Run("pw\n", "user", "add", "bob@esp.sn", "--scheme", "MD5");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--scheme", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Accounts));
    }

    [Fact]
    public void User_add_in_a_domain_that_is_not_local_fails_with_one_line_and_exit_1()
    {
        var result = _cli.Run("pw\n", "user", "add", "alice@gmail.com");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: gmail.com is not a local domain (add it with: facteur domain add gmail.com)", Assert.Single(result.ErrorLines));
        Assert.False(File.Exists(_cli.Accounts));
    }

    [Fact]
    public void User_add_accepts_a_domain_from_the_domains_file()
    {
        File.WriteAllText(_cli.Domains, "# hosted\nsénégal.sn\n");

        var result = _cli.Run("pw\n", "user", "add", "awa@xn--sngal-bsab.sn");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("awa@xn--sngal-bsab.sn:", Assert.Single(_cli.AccountLines()), StringComparison.Ordinal);
    }

    [Fact]
    public void User_add_of_an_existing_user_fails_whatever_the_case()
    {
        Assert.Equal(0, _cli.Run("pw\n", "user", "add", "alice@esp.sn").ExitCode);

        var result = _cli.Run("pw2\n", "user", "add", "Alice@ESP.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("user alice@esp.sn already exists", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Single(_cli.AccountLines());
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("../alice@esp.sn")]
    [InlineData("a/b@esp.sn")]
    [InlineData("a b@esp.sn")]
    [InlineData(".alice@esp.sn")]
    [InlineData("alice@esp..sn")]
    [InlineData("alice@")]
    public void User_add_of_a_bad_address_fails_with_exit_1(string address)
    {
        var result = _cli.Run("pw\n", "user", "add", address);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Accounts));
    }

    [Fact]
    public void User_add_refuses_a_password_given_as_an_argument()
    {
        var result = _cli.Run(null, "user", "add", "alice@esp.sn", "hunter2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not accepted as an argument", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Error + result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Accounts));
    }

    [Fact]
    public void User_add_without_a_password_on_stdin_fails()
    {
        var result = _cli.Run(string.Empty, "user", "add", "alice@esp.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no password on standard input", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void User_passwd_replaces_only_the_hash_and_keeps_the_other_fields()
    {
        File.WriteAllLines(_cli.Accounts, ["# staff", "bob@esp.sn:{PLAIN}old:1000:1000:Bob Diop:/home/bob::userdb_quota_rule=*:storage=1G", "carol@esp.sn:{PLAIN}c"]);

        var result = _cli.Run("new-secret\n", "user", "passwd", "BOB@esp.sn");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = _cli.AccountLines();
        Assert.Equal("# staff", lines[0]);
        Assert.Equal("carol@esp.sn:{PLAIN}c", lines[2]);
        var fields = lines[1].Split(':', 3);
        Assert.Equal("bob@esp.sn", fields[0]);
        Assert.StartsWith("{ARGON2ID}", fields[1], StringComparison.Ordinal);
        Assert.True(PasswordVerifier.Verify("new-secret", fields[1]).Matches);
        Assert.Equal("1000:1000:Bob Diop:/home/bob::userdb_quota_rule=*:storage=1G", fields[2]);
    }

    [Fact]
    public void User_passwd_of_a_missing_user_fails_with_exit_1()
    {
        File.WriteAllLines(_cli.Accounts, ["carol@esp.sn:{PLAIN}c"]);

        var result = _cli.Run("pw\n", "user", "passwd", "bob@esp.sn");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: no user bob@esp.sn in {_cli.Accounts}", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void User_del_removes_that_line_only()
    {
        File.WriteAllLines(_cli.Accounts, ["# staff", "alice@esp.sn:{PLAIN}a:::::", "", "bob@esp.sn:{PLAIN}b:::::"]);

        var result = _cli.Run(null, "user", "del", "alice@esp.sn");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["# staff", "", "bob@esp.sn:{PLAIN}b:::::"], _cli.AccountLines());
        Assert.Equal(1, _cli.Run(null, "user", "del", "alice@esp.sn").ExitCode);
    }

    [Fact]
    public void User_list_prints_one_user_a_line_optionally_for_one_domain()
    {
        File.WriteAllLines(_cli.Accounts, ["alice@esp.sn:{PLAIN}a", "# x", "bob@example.org:{PLAIN}b", "carol@esp.sn:{PLAIN}c"]);

        Assert.Equal(["alice@esp.sn", "bob@example.org", "carol@esp.sn"], _cli.Run(null, "user", "list").OutputLines);
        Assert.Equal(["alice@esp.sn", "carol@esp.sn"], _cli.Run(null, "user", "list", "ESP.SN").OutputLines);
    }

    [Fact]
    public void Accounts_option_wins_over_configuration()
    {
        var other = Path.Combine(_cli.Folder, "other-accounts");

        var result = _cli.Run("pw\n", "user", "add", "alice@esp.sn", "--accounts", other);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(File.ReadAllLines(other));
        Assert.False(File.Exists(_cli.Accounts));
    }

    [Fact]
    public void A_rewrite_keeps_the_files_permissions_and_leaves_no_lock_or_temp_file()
    {
        File.WriteAllLines(_cli.Accounts, ["carol@esp.sn:{PLAIN}c"]);
        File.SetUnixFileMode(_cli.Accounts, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Equal(0, _cli.Run("pw\n", "user", "add", "alice@esp.sn").ExitCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_cli.Accounts));
        Assert.Equal(2, _cli.AccountLines().Length);
        Assert.Equal(["accounts", "facteur.json"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_new_accounts_file_is_not_readable_by_others()
    {
        Assert.Equal(0, _cli.Run("pw\n", "user", "add", "alice@esp.sn").ExitCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_cli.Accounts));
    }

    [Fact]
    public void A_held_lock_makes_the_edit_wait_and_fail_cleanly_without_touching_the_file()
    {
        File.WriteAllLines(_cli.Accounts, ["carol@esp.sn:{PLAIN}c"]);
        File.WriteAllText(_cli.Accounts + ".lock", "12345 elsewhere\n");
        var previous = Files.LockedTextFile.LockTimeout;
        try
        {
            Files.LockedTextFile.LockTimeout = TimeSpan.FromMilliseconds(300);
            var result = _cli.Run(null, "user", "del", "carol@esp.sn");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("is locked by another facteur run", result.Error, StringComparison.Ordinal);
            Assert.Equal(["carol@esp.sn:{PLAIN}c"], _cli.AccountLines());
        }
        finally
        {
            Files.LockedTextFile.LockTimeout = previous;
        }
    }

    [Fact]
    public void A_lock_left_by_a_crashed_run_is_broken_after_a_minute()
    {
        File.WriteAllLines(_cli.Accounts, ["carol@esp.sn:{PLAIN}c"]);
        File.WriteAllText(_cli.Accounts + ".lock", "12345 crashed\n");
        File.SetLastWriteTimeUtc(_cli.Accounts + ".lock", DateTime.UtcNow.AddMinutes(-2));

        var result = _cli.Run(null, "user", "del", "carol@esp.sn");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(_cli.AccountLines());
        Assert.False(File.Exists(_cli.Accounts + ".lock"));
    }

    [Fact]
    public void A_rewrite_by_root_keeps_the_files_owner_and_group()
    {
        File.WriteAllLines(_cli.Accounts, ["carol@esp.sn:{PLAIN}c"]);
        var before = Files.PosixFile.Owner(_cli.Accounts);
        Assert.NotNull(before);
        if (before!.Value.Uid != 0)
        {
            return; // only root can give a file away; as another user the file simply stays theirs
        }

        Assert.Equal(0, Chown(_cli.Accounts, 4321, 4322));
        Assert.Equal((4321u, 4322u), Files.PosixFile.Owner(_cli.Accounts));

        Assert.Equal(0, _cli.Run("pw\n", "user", "add", "alice@esp.sn").ExitCode);

        Assert.Equal(2, _cli.AccountLines().Length);
        Assert.Equal((4321u, 4322u), Files.PosixFile.Owner(_cli.Accounts));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown")]
    private static extern int Chown(string path, uint owner, uint group);
}
