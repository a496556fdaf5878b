using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The same Maildir served by Debian's Dovecot and then by Facteur (which keeps Dovecot's UIDs):
/// FETCH BODYSTRUCTURE, ENVELOPE, BODY, RFC822.SIZE, BODY[1.MIME] and BODY[2.HEADER] of ordinary and
/// odd MIME must come back byte for byte the same, except where Dovecot departs from RFC 3501 (each
/// such case is named below with the section it breaks, and Facteur's answer is checked against the RFC).
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed class DovecotFetchComparisonTests
{
    private static readonly string[] Items =
    [
        "BODYSTRUCTURE", "ENVELOPE", "BODY", "RFC822.SIZE", "BODY.PEEK[1.MIME]", "BODY.PEEK[2.HEADER]", "BODY.PEEK[1]", "BODY.PEEK[2.MIME]",
        "BODY.PEEK[3.HEADER]", "BODY.PEEK[3.TEXT]", "BODY.PEEK[3.1]", "BODY.PEEK[1.2.MIME]", "BODY.PEEK[1.2]", "BODY.PEEK[2]", "BODY.PEEK[TEXT]",
        "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]", "BODY.PEEK[HEADER.FIELDS.NOT (FROM SUBJECT)]", "BODY.PEEK[1.HEADER]", "BODY.PEEK[]<10.20>",
    ];

    [Fact]
    public async Task Fetch_of_odd_mime_matches_dovecot_byte_for_byte()
    {
        Assert.True(DovecotImap.IsAvailable, "dovecot-imapd is installed by test.sh and the tests run as root");
        using var scratch = new ScratchDirectory();
        var maildir = Path.Combine(scratch.Path, "example.test", "alice");
        foreach (var message in OddMime.Messages)
        {
            MaildirSeed.Deliver(maildir, message);
        }

        Dictionary<string, List<string>> dovecot;
        await using (var server = await DovecotImap.StartAsync(scratch.Path, ImapTestServer.User, ImapTestServer.Password))
        {
            dovecot = await FetchAllAsync(server.Port);
        }

        Dictionary<string, List<string>> facteur;
        await using (var server = await ImapTestServer.StartAsync(new() { ["Facteur:MailRoot"] = scratch.Path }))
        {
            facteur = await FetchAllAsync(server.Port);
        }

        var differences = new StringBuilder();
        foreach (var item in Items)
        {
            for (var i = 0; i < OddMime.Messages.Length; i++)
            {
                if (item == "BODY.PEEK[1]" && i == 0)
                {
                    continue;
                }

                var expected = dovecot[item][i];
                var actual = facteur[item][i];
                if (expected != actual)
                {
                    differences.Append(FormattableString.Invariant($"message {i + 1} {item}:\n  dovecot: {expected}\n  facteur: {actual}\n"));
                }
            }
        }

        Assert.True(differences.Length == 0, differences.ToString());

        // Where Dovecot departs from the RFC. BODY[1] of message 1 is a multipart/alternative nested in
        // multipart/mixed: Dovecot counts the CRLF after its close-delimiter "--inner--" into it, but that
        // CRLF is the start of the outer delimiter "CRLF --outer" (RFC 2046 §5.1.1: "the CRLF preceding the
        // boundary delimiter line is conceptually attached to the boundary"), so the part ends at "--inner--".
        var first = OddMime.Messages[0];
        var partStart = first.IndexOf("multipart/alternative; boundary=\"inner\"\r\n\r\n", StringComparison.Ordinal) + "multipart/alternative; boundary=\"inner\"\r\n\r\n".Length;
        var partEnd = first.IndexOf("\r\n--outer\r\nContent-Type: application/octet-stream", StringComparison.Ordinal);
        var part = first[partStart..partEnd];
        Assert.EndsWith("--inner--", part);
        Assert.Equal($"* 1 FETCH (BODY[1] {{{Encoding.UTF8.GetByteCount(part)}}}\r\n{part})", facteur["BODY.PEEK[1]"][0]);
        Assert.Equal($"* 1 FETCH (BODY[1] {{{Encoding.UTF8.GetByteCount(part) + 2}}}\r\n{part}\r\n)", dovecot["BODY.PEEK[1]"][0]);
    }

    /// <summary>Each item fetched on its own (servers order the items of one response differently), one line per message.</summary>
    private static async Task<Dictionary<string, List<string>>> FetchAllAsync(int port)
    {
        await using var client = await RawImapClient.ConnectAsync(port);
        Assert.StartsWith("a OK", (await client.CommandAsync("a", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        var select = await client.CommandAsync("b", "EXAMINE INBOX");
        Assert.Contains($"* {OddMime.Messages.Length} EXISTS", select);
        var result = new Dictionary<string, List<string>>();
        foreach (var item in Items)
        {
            var lines = await client.CommandAsync("f", "FETCH 1:* (" + item + ")");
            Assert.StartsWith("f OK", lines[^1]);
            result[item] = lines.Where(l => l.StartsWith("* ", StringComparison.Ordinal) && l.Contains(" FETCH ", StringComparison.Ordinal)).ToList();
            Assert.Equal(OddMime.Messages.Length, result[item].Count);
        }

        return result;
    }
}
