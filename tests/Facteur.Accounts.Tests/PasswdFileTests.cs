using Facteur.Accounts.Users;

namespace Facteur.Accounts.Tests;

public sealed class PasswdFileTests
{
    [Fact]
    public void Users_comments_blank_lines_and_optional_trailing_fields_are_read()
    {
        var file = PasswdFile.Parse(
        [
            "# Facteur accounts",
            "",
            "alice@esp.sn:{PLAIN}a:::::",
            "   ",
            "bob@esp.sn:{PLAIN}b:1000:1000:Bob Diop:/home/bob:/bin/false:userdb_quota_rule=*:storage=1G",
            "carol@example.org:{PLAIN}c",
            "  # indented comment",
        ]);

        Assert.Equal(["alice@esp.sn", "bob@esp.sn", "carol@example.org"], file.Entries.Select(e => e.UserName));
        Assert.Equal("{PLAIN}b", file.Find("bob@esp.sn")!.Password);
        Assert.Equal(5, file.Find("bob@esp.sn")!.LineNumber);
        Assert.Empty(file.Problems);
    }

    [Fact]
    public void Lookup_keys_ignore_case_and_idn_form_but_the_name_stays_as_written()
    {
        var file = PasswdFile.Parse(["Awa.Ndiaye@Sénégal.SN:{PLAIN}x"]);

        var entry = Assert.Single(file.Entries);
        Assert.Equal("Awa.Ndiaye@Sénégal.SN", entry.UserName);
        Assert.Equal("awa.ndiaye@xn--sngal-bsab.sn", entry.Key);
    }

    [Theory]
    [InlineData("../etc@esp.sn:{PLAIN}x")]
    [InlineData("..@esp.sn:{PLAIN}x")]
    [InlineData(".hidden@esp.sn:{PLAIN}x")]
    [InlineData("a/b@esp.sn:{PLAIN}x")]
    [InlineData("a\\b@esp.sn:{PLAIN}x")]
    [InlineData("a\0b@esp.sn:{PLAIN}x")]
    [InlineData("a\u0007b@esp.sn:{PLAIN}x")]
    [InlineData("a b@esp.sn:{PLAIN}x")]
    [InlineData("alice@es/p.sn:{PLAIN}x")]
    [InlineData("alice@..:{PLAIN}x")]
    [InlineData("alice:{PLAIN}x")]
    [InlineData("@esp.sn:{PLAIN}x")]
    public void A_user_name_that_could_escape_the_mail_root_is_rejected_with_a_problem(string line)
    {
        var file = PasswdFile.Parse(["ok@esp.sn:{PLAIN}x", line]);

        Assert.Equal(["ok@esp.sn"], file.Entries.Select(e => e.UserName));
        var problem = Assert.Single(file.Problems);
        Assert.Equal(2, problem.LineNumber);
    }

    [Fact]
    public void A_second_line_for_the_same_user_is_ignored_with_a_problem()
    {
        var file = PasswdFile.Parse(["alice@esp.sn:{PLAIN}first", "ALICE@esp.sn:{PLAIN}second"]);

        Assert.Equal("{PLAIN}first", Assert.Single(file.Entries).Password);
        Assert.Contains("already defined on line 1", Assert.Single(file.Problems).Message, StringComparison.Ordinal);
    }
}
