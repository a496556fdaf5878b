using System.Text;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>FETCH writes FLAGS from <see cref="ImapFlags.Octets"/>: the same list <see cref="ImapFlags.Format(MessageRecord)"/> gives, for every record.</summary>
public sealed class ImapFlagsOctetsTests
{
    public static TheoryData<int> Combinations()
    {
        var data = new TheoryData<int>();
        for (var flags = 0; flags < 32; flags++)
        {
            data.Add(flags);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Octets_of_system_flags_are_the_formatted_list(int flags)
    {
        var record = Record((MessageFlags)flags, []);

        Assert.Equal(ImapFlags.Format(record), Encoding.ASCII.GetString(ImapFlags.Octets(record)));
    }

    [Fact]
    public void Octets_with_keywords_list_them_after_the_system_flags()
    {
        var record = Record(MessageFlags.Seen | MessageFlags.Flagged, ["$Forwarded", "Work"]);

        Assert.Equal(@"(\Flagged \Seen $Forwarded Work)", Encoding.ASCII.GetString(ImapFlags.Octets(record)));
    }

    [Fact]
    public void Octets_of_no_flag_are_an_empty_list()
    {
        Assert.Equal("()", Encoding.ASCII.GetString(ImapFlags.Octets(Record(MessageFlags.None, []))));
    }

    private static MessageRecord Record(MessageFlags flags, IReadOnlyList<string> keywords) =>
        new(7, "1700000000.M1P1.host", "1700000000.M1P1.host:2,", false, flags, keywords, 1, 100, DateTimeOffset.UnixEpoch);
}
