using System.Text;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Imap.Fetch;
using MimeKit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The ENVELOPE written from a header's octets (<see cref="EnvelopeWriter.TryWrite"/>, no MimeKit header
/// parse) must be byte for byte the one written from MimeKit's <see cref="HeaderList"/>; a block the
/// octet reader does not take is refused with nothing written.
/// </summary>
public sealed class EnvelopeOctetScanTests
{
    public static TheoryData<string> Blocks =>
    [
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nFrom: \"Ann Example\" <ann@example.test>\r\nSubject: =?UTF-8?B?Q2Fmw6k=?= report\r\nTo: bob@example.test\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n",
        "From: carol@example.test\r\nTo: Team: a@example.test, \"Bee Cee\" <bcee@example.test>;\r\nCc: undisclosed-recipients:;\r\nBcc: secret@example.test\r\n\r\n",
        "subject: lower\r\nFROM: Dan\r\n Folded <dan@example.test>\r\nreply-to: r@x.test\r\nSender: s@x.test\r\nIn-Reply-To: <p@x>\r\n\r\n",
        "Subject:\r\nSubject: second is not shown\r\nFrom: a@x.test\r\nFrom: b@x.test\r\n\r\n",
        "Subject: Caf\u00e9 cr\u00e8me\r\nFrom: J\u00fcrgen <j@x.test>\r\n\r\n",
        "X-Only: nothing\r\n\r\n",
        "From: nodomain\r\nTo: <@route.test:user@x.test>\r\n\r\n",
        "Subject: no blank line",
    ];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Envelope_from_octets_equals_the_one_from_mimekit(string block)
    {
        var bytes = Encoding.UTF8.GetBytes(block);
        var expected = new ImapResponseBuilder();
        EnvelopeWriter.Write(expected, HeaderList.Load(new MemoryStream(bytes)));
        var scanned = new ImapResponseBuilder();
        Assert.True(EnvelopeWriter.TryWrite(scanned, bytes));
        Assert.Equal(Encoding.UTF8.GetString(expected.Written), Encoding.UTF8.GetString(scanned.Written));
    }

    [Theory]
    [InlineData("From someone@example.test Mon Jan  1 00:00:00 2024\r\nSubject: mbox\r\n\r\n")]
    [InlineData(" continuation first\r\nSubject: x\r\n\r\n")]
    [InlineData("Subject : space before colon\r\n\r\n")]
    [InlineData("Subject: nul \u0000 inside\r\n\r\n")]
    [InlineData("From: a@x.test\r\n folded with a bare\rcr\r\n\r\n")]
    public void Odd_blocks_are_left_to_mimekit(string block)
    {
        var scanned = new ImapResponseBuilder();
        Assert.False(EnvelopeWriter.TryWrite(scanned, Encoding.UTF8.GetBytes(block)));
        Assert.Equal(0, scanned.Written.Length);
    }
}
