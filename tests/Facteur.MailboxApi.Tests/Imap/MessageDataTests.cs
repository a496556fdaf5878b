using System.Text;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// How <see cref="MessageData"/> reads a file: bare LF made CRLF, and the header-only read a header FETCH
/// uses, which must end exactly where the whole file's header ends (<see cref="MessageData.HeaderBytes"/>).
/// </summary>
public sealed class MessageDataTests
{
    [Theory]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("a\r\nb\n\nc", "a\r\nb\r\n\r\nc")]
    [InlineData("\n\r\n\n", "\r\n\r\n\r\n")]
    [InlineData("no line end", "no line end")]
    [InlineData("crlf\r\nonly\r\n", "crlf\r\nonly\r\n")]
    public void Bare_line_feeds_become_crlf(string file, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(MessageHeaderRead.ToCrlf(Encoding.ASCII.GetBytes(file))));

    public static TheoryData<string> Files =>
    [
        "Subject: short\r\n\r\nbody\r\n",
        "Subject: bare\n\nbody\n",
        "Subject: no body\r\n",
        "Subject: no blank line and no line end",
        "\r\nbody after an empty header",
        "X-Long: " + new string('x', 4085) + "\r\n\r\nbody", // the CR LF of the empty line across the 4 KB read
        "X-Long: " + new string('x', 4086) + "\r\n\r\nbody",
        "X-Long: " + new string('x', 9000) + "\r\nSubject: after\r\n\r\n" + new string('b', 5000),
        "X-Long: " + new string('x', 5000) + "\r\n", // a header longer than one read, no body
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void Header_read_ends_where_the_whole_files_header_ends(string file)
    {
        var bytes = Encoding.ASCII.GetBytes(file);
        var header = MessageData.ReadHeader(new MemoryStream(bytes));
        var whole = MessageHeaderRead.ToCrlf(bytes);
        var expected = whole.AsSpan(0, MimeNode.BodyStartOf(whole)).ToArray();
        Assert.Equal(Encoding.ASCII.GetString(expected), Encoding.ASCII.GetString(MessageHeaderRead.ToCrlf(header)));
    }
}
