using System.Text;
using Facteur.MailboxApi.Imap.Search;
using MimeKit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// <see cref="SearchHeaders.Parse"/> (the octet scan FETCH fills SEARCH's cache with) must keep exactly
/// the fields and values MimeKit's header parse gives (<see cref="SearchHeaders.From"/>), whichever
/// path it takes: plain fields are cut out by hand, anything MimeKit might read otherwise goes to it.
/// </summary>
public sealed class SearchHeadersParseTests
{
    public static TheoryData<string> Blocks =>
    [
        "From: ann@example.test\r\nSubject: plain\r\n\r\nbody From: not@header\r\n",
        "from: lower@example.test\r\nSUBJECT: upper name\r\nTo:nospace@example.test\r\n\r\n",
        "Subject: a long\r\n folded\r\n\tsubject line\r\nFrom: Dan\r\n Folded <dan@example.test>\r\n\r\n",
        "Subject:   padded value  \t \r\nCc:\r\nBcc: \r\n\r\n",
        "Subject: one\r\nSubject: two\r\nFrom: a@x.test\r\nFrom: b@x.test\r\nX-Other: skip\r\n  continued other\r\n\r\n",
        "Subject: =?UTF-8?B?Q2Fmw6k=?= report\r\nFrom: =?ISO-8859-1?Q?J=F6rg?= <j@x.test>\r\n\r\n",
        "Subject: Caf\u00e9 cr\u00e8me\r\nFrom: raw utf8 <u@x.test>\r\n\r\n",
        "From: lf@example.test\nSubject: bare lf\n folded lf\n\nbody\n",
        "From: only@header.test\r\nSubject: no blank line",
        "From someone@example.test Mon Jan  1 00:00:00 2024\r\nSubject: mbox line\r\n\r\n",
        " leading continuation\r\nSubject: x\r\n\r\n",
        "Subject : space before colon\r\nFrom: a@x.test\r\n\r\n",
        "Subject: tab\there and ctl \u0001 char\r\n\r\n",
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <id@x.test>\r\nIn-Reply-To: <p@x.test>\r\nReply-To: r@x.test\r\nSender: s@x.test\r\n\r\n",
        "Subject: " + new string('w', 700) + "\r\n\r\n",
        "X-Only: nothing kept\r\n\r\n",
        "Subject: half =? an encoded-word marker\r\n\r\n",
        "Broken line without colon\r\nSubject: after garbage\r\n\r\n",
        "\r\nSubject: after an empty first line\r\n",
        "Subject: nul \u0000 inside\r\nFrom: a@x.test\r\n\r\n",
        "Subject: bare\rcr inside\r\n\r\n",
        "X-Other: del \u007f in another field\r\nSubject: kept\r\n\r\n",
    ];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Octet_scan_keeps_what_mimekit_reads(string block)
    {
        var bytes = Encoding.UTF8.GetBytes(block);
        HeaderList? headers;
        try
        {
            headers = HeaderList.Load(new MemoryStream(bytes));
        }
        catch (FormatException)
        {
            headers = null;
        }

        var expected = SearchHeaders.From("k", headers).Fields;
        Assert.Equal(expected, SearchHeaders.Parse("k", bytes).Fields);
    }

    [Fact]
    public void Fields_after_the_empty_line_are_body_not_header()
    {
        var parsed = SearchHeaders.Parse("k", "Subject: real\r\n\r\nSubject: in the body\r\n"u8);
        Assert.Equal([("Subject", "real")], parsed.Fields);
    }
}
