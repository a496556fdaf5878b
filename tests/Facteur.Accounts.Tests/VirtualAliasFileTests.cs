using Facteur.Accounts.Aliases;

namespace Facteur.Accounts.Tests;

public sealed class VirtualAliasFileTests
{
    [Fact]
    public void Targets_are_separated_by_commas_and_or_white_space()
    {
        var file = VirtualAliasFile.Parse(["info@esp.sn  alice@esp.sn, bob@esp.sn,carol@example.org\tdan@gmail.com"]);

        var alias = Assert.Single(file.Entries);
        Assert.Equal(["alice@esp.sn", "bob@esp.sn", "carol@example.org", "dan@gmail.com"], alias.Targets);
    }

    [Fact]
    public void Lines_starting_with_white_space_continue_the_entry_and_comments_are_skipped()
    {
        var file = VirtualAliasFile.Parse(
        [
            "# team",
            "team@esp.sn alice@esp.sn,",
            "    bob@esp.sn",
            "# a comment inside does not end the entry",
            "\tcarol@esp.sn",
            "",
            "sales@esp.sn dan@esp.sn",
        ]);

        Assert.Equal(2, file.Entries.Count);
        var team = file.Find("team@esp.sn")!;
        Assert.Equal(["alice@esp.sn", "bob@esp.sn", "carol@esp.sn"], team.Targets);
        Assert.Equal((2, 5), (team.FirstLine, team.LastLine));
        Assert.Equal(7, file.Find("sales@esp.sn")!.FirstLine);
    }

    [Fact]
    public void A_catch_all_is_keyed_by_the_ascii_domain()
    {
        var file = VirtualAliasFile.Parse(["@Sénégal.sn postmaster@esp.sn"]);

        var alias = Assert.Single(file.Entries);
        Assert.True(alias.IsCatchAll);
        Assert.Equal("@xn--sngal-bsab.sn", alias.Key);
    }

    [Fact]
    public void Unsupported_patterns_bad_targets_and_duplicates_are_reported_and_skipped()
    {
        var file = VirtualAliasFile.Parse(
        [
            "root  alice@esp.sn",
            "esp.sn  anything",
            "info@esp.sn alice@esp.sn, not-an-address, bob@esp.sn",
            "info@esp.sn carol@esp.sn",
            "empty@esp.sn",
        ]);

        Assert.Equal(["alice@esp.sn", "bob@esp.sn"], Assert.Single(file.Entries).Targets);
        Assert.Equal([1, 2, 3, 4, 5], file.Problems.Select(p => p.LineNumber).Order());
    }
}
