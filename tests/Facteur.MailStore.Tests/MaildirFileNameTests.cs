using System.Text.RegularExpressions;

namespace Facteur.MailStore.Tests;

public class MaildirFileNameTests
{
    private static readonly DateTimeOffset Received = new DateTimeOffset(2026, 11, 29, 3, 0, 27, TimeSpan.Zero).AddTicks(1234560);

    [Fact]
    public void Base_name_has_the_dovecot_shape_with_time_usec_queue_id_mailbox_key_and_host()
    {
        var name = MaildirFileName.BaseName("4XyZ12", Received, "alice@esp.sn", null, "mx1.esp.sn");

        var match = Regex.Match(name, @"^(\d+)\.M(\d+)Q4XyZ12R([0-9a-f]{8})\.mx1\.esp\.sn$");
        Assert.True(match.Success, name);
        Assert.Equal(Received.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups[1].Value);
        Assert.Equal("123456", match.Groups[2].Value);
    }

    [Fact]
    public void Base_name_is_deterministic_per_queue_id_mailbox_and_folder()
    {
        var first = MaildirFileName.BaseName("Q1", Received, "alice@esp.sn", null, "h");
        Assert.Equal(first, MaildirFileName.BaseName("Q1", Received, "alice@esp.sn", null, "h"));
        Assert.Equal(first, MaildirFileName.BaseName("Q1", Received, "alice@ESP.SN", "INBOX", "h"));
        Assert.NotEqual(first, MaildirFileName.BaseName("Q2", Received, "alice@esp.sn", null, "h"));
        Assert.NotEqual(first, MaildirFileName.BaseName("Q1", Received, "bob@esp.sn", null, "h"));
        Assert.NotEqual(first, MaildirFileName.BaseName("Q1", Received, "alice@esp.sn", "Junk", "h"));
    }

    [Fact]
    public void Host_slash_and_colon_are_escaped_as_dovecot_does()
    {
        Assert.Equal(@"a\057b\072c", MaildirFileName.EscapeHost("a/b:c"));
        var name = MaildirFileName.BaseName("Q1", Received, "alice@esp.sn", null, "a/b:c");
        Assert.DoesNotContain("/", name);
        Assert.DoesNotContain(":", name);
    }

    [Fact]
    public void Queue_ids_with_other_characters_become_a_hashed_token()
    {
        var name = MaildirFileName.BaseName("../Q 1", Received, "alice@esp.sn", null, "h");
        Assert.DoesNotContain("/", name);
        Assert.DoesNotContain(" ", name);
        Assert.Equal(name, MaildirFileName.BaseName("../Q 1", Received, "alice@esp.sn", null, "h"));
    }

    [Fact]
    public void Sizes_are_appended_as_S_and_W()
    {
        Assert.Equal("base,S=120,W=125", MaildirFileName.WithSizes("base", 120, 125));
    }

    [Theory]
    [InlineData("b.M1Q1R0.h,S=1,W=1", true)]
    [InlineData("b.M1Q1R0.h,S=1,W=1:2,S", true)]
    [InlineData("b.M1Q1R0.h:2,", true)]
    [InlineData("b.M1Q1R0.h", true)]
    [InlineData("b.M1Q1R0.hx,S=1", false)]
    [InlineData("b.M1Q1R0", false)]
    public void Base_name_matching_ignores_sizes_and_flags_only(string fileName, bool expected)
    {
        Assert.Equal(expected, MaildirFileName.HasBaseName(fileName, "b.M1Q1R0.h"));
    }
}
