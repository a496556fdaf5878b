using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
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
        Assert.True(DovecotServer.IsAvailable("imap"), "dovecot-imapd is installed by test.sh and the tests run as root");
        using var scratch = new ScratchDirectory();
        var maildir = Path.Combine(scratch.Path, "example.test", "alice");
        foreach (var message in OddMime.Messages)
        {
            MaildirSeed.Deliver(maildir, message);
        }

        Dictionary<string, List<string>> dovecot;
        await using (var server = await DovecotServer.StartAsync("imap", scratch.Path, ImapTestServer.User, ImapTestServer.Password))
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
                var expected = DovecotDeviations.TryGetValue((i + 1, item), out var toRfc) ? toRfc(dovecot[item][i]) : dovecot[item][i];
                var actual = facteur[item][i];
                if (expected != actual)
                {
                    differences.Append(FormattableString.Invariant($"message {i + 1} {item}:\n  dovecot: {expected}\n  facteur: {actual}\n"));
                }
            }
        }

        Assert.True(differences.Length == 0, differences.ToString());

        // The RFC answer really differs from Dovecot's there (the deviations are not no-ops).
        foreach (var ((number, item), toRfc) in DovecotDeviations)
        {
            Assert.NotEqual(dovecot[item][number - 1], toRfc(dovecot[item][number - 1]));
        }

        var first = OddMime.Messages[0];
        var partStart = first.IndexOf("multipart/alternative; boundary=\"inner\"\r\n\r\n", StringComparison.Ordinal) + "multipart/alternative; boundary=\"inner\"\r\n\r\n".Length;
        var part = first[partStart..first.IndexOf("\r\n--outer\r\nContent-Type: application/octet-stream", StringComparison.Ordinal)];
        Assert.Equal($"* 1 FETCH (BODY[1] {{{Encoding.UTF8.GetByteCount(part)}}}\r\n{part})", facteur["BODY.PEEK[1]"][0]);
    }

    /// <summary>
    /// Where Dovecot departs from the RFCs, and how its answer becomes the RFC's. Both are one rule: "the
    /// CRLF preceding the boundary delimiter line is conceptually attached to the boundary" (RFC 2046
    /// §5.1.1). Dovecot counts that CRLF into the part before it when the part ends in a close-delimiter
    /// (message 1, part 1: a multipart/alternative ending "--inner--") or in a header without a body
    /// (message 11, part 2: a message/rfc822 that is only header lines); Facteur ends those parts before
    /// the CRLF, as for every other part, so their size is 2 octets and 1 line less.
    /// </summary>
    private static readonly Dictionary<(int Message, string Item), Func<string, string>> DovecotDeviations = new()
    {
        [(1, "BODY.PEEK[1]")] = WithoutCrlfBeforeBoundary,
        [(11, "BODY.PEEK[2]")] = WithoutCrlfBeforeBoundary,
        [(11, "BODYSTRUCTURE")] = line => line.Replace("\"7bit\" 59 (NIL", "\"7bit\" 57 (NIL", StringComparison.Ordinal).Replace(") 2 NIL (\"attachment\" NIL)", ") 1 NIL (\"attachment\" NIL)", StringComparison.Ordinal),
        [(11, "BODY")] = line => line.Replace("\"7bit\" 59 (NIL", "\"7bit\" 57 (NIL", StringComparison.Ordinal).Replace(") 2) \"mixed\"", ") 1) \"mixed\"", StringComparison.Ordinal),
    };

    /// <summary>"* n FETCH (BODY[s] {N}\r\n…\r\n)" → "* n FETCH (BODY[s] {N-2}\r\n…)".</summary>
    private static string WithoutCrlfBeforeBoundary(string line)
    {
        var match = System.Text.RegularExpressions.Regex.Match(line, @"^(?<head>[^{]*)\{(?<size>\d+)\}\r\n(?<data>[\s\S]*)\r\n\)$");
        return match.Success
            ? FormattableString.Invariant($"{match.Groups["head"].Value}{{{int.Parse(match.Groups["size"].Value, System.Globalization.CultureInfo.InvariantCulture) - 2}}}\r\n{match.Groups["data"].Value})")
            : line;
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

    [Fact]
    public async Task MailKit_decodes_the_parameters_the_server_sends_as_written()
    {
        // The server no longer decodes RFC 2231 and encoded-word parameters; the client must (MailKit does, as for Dovecot).
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(OddMime.Messages[3]);
        using var client = new MailKit.Net.Imap.ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        var summary = (await client.Inbox.FetchAsync(0, 0, MailKit.MessageSummaryItems.BodyStructure))[0];
        var parts = summary.BodyParts.ToList();
        Assert.Equal("\u00e9t\u00e9.pdf", parts[0].FileName);
        Assert.Equal("\u00e9t\u00e9.txt", parts[1].FileName);
        Assert.Equal("long name.txt", parts[2].FileName);
        Assert.Equal("very long name.txt", parts[2].ContentType.Name);
        await client.DisconnectAsync(true);
    }
}
