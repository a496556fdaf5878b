using System.Text;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// ENVELOPE, BODY and BODYSTRUCTURE served from the folder's cache are byte for byte what the file-based
/// writers produce, for a corpus of odd MIME messages, and a header FETCH from the cache opens no message file.
/// </summary>
public sealed class FetchCacheTests
{
    private const string Items = "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE)";

    /// <summary>Messages whose structure is easy to get subtly wrong.</summary>
    public static readonly string[] OddMessages =
    [
        // multipart/mixed with alternative, an attachment with RFC 2231 parameters, and a forwarded multipart message
        "From: \"Joe Q. Public\" <john.q.public@example.com>\r\nTo: Mary Smith <mary@x.test>, jdoe@one.test\r\nCc: Undisclosed recipients:;\r\n" +
        "Subject: =?UTF-8?B?w6l0w6k=?= report\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nMessage-ID: <5678.21-Nov-1997@example.com>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbonjour =C3=A9t=C3=A9\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--inner--\r\n" +
        "--outer\r\nContent-Type: application/pdf; name*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\nContent-Disposition: attachment; filename*0=\"long\"; filename*1=\"name.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\nContent-ID: <part1@x>\r\nContent-Description: A file\r\nContent-Language: fr, en\r\nContent-Location: http://x.test/f\r\n\r\nJVBERi0xLjQK\r\n" +
        "--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@x.test\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n--b2\r\n\r\nimplicit text\r\n--b2--\r\n--outer--\r\nepilogue\r\n",
        // bare LF line ends everywhere
        "From: lf@x.test\nSubject: bare LF\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nline one\nline two\n--zz\nContent-Type: TEXT/X-Odd; Format=Flowed\n\nodd\n--zz--\n",
        // 8-bit header values (sent as literals), a group address, folded headers, no Date
        "From: José Pérez <jose@exämple.test>\r\nTo: team: a@x.test, \"B, Person\" <b@x.test>;\r\nSubject: folded\r\n subject line\r\nReply-To: <reply@x.test>\r\n\r\nbody ü\r\n",
        // headers only, no blank line, no body
        "Subject: no body\r\nFrom: a@x.test",
        // boundary never closed, an empty part, a part with no headers
        "Content-Type: multipart/related; boundary=\"q\"; type=\"text/html\"\r\nSubject: unclosed\r\n\r\n--q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nlast part without end\r\n",
        // multipart/digest: parts default to message/rfc822
        "Content-Type: multipart/digest; boundary=d\r\nSubject: digest\r\n\r\n--d\r\n\r\nFrom: one@x.test\r\nSubject: one\r\n\r\nfirst\r\n--d\r\n\r\nFrom: two@x.test\r\n\r\nsecond\r\n--d--\r\n",
        // duplicate headers, quoted specials, a source route, an unparsable Content-Type
        "From: \"a \\\"quoted\\\" name\" <@route.test:a@x.test>\r\nFrom: second@x.test\r\nSubject: dup\r\nSubject: dup2\r\nIn-Reply-To: <prev@x.test>\r\nContent-Type: ;;garbage\r\n\r\nplain\r\n",
        // message/rfc822 whose inner message is empty
        "Content-Type: message/rfc822\r\nSubject: empty inner\r\n\r\n",
    ];

    private static async Task<RawImapClient> SelectAsync(int port)
    {
        var client = await RawImapClient.ConnectAsync(port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("S OK", (await client.CommandAsync("S", "SELECT INBOX"))[^1]);
        return client;
    }

    [Fact]
    public async Task Structure_items_from_the_cache_are_byte_identical_to_those_rendered_from_the_file()
    {
        await using var server = await ImapTestServer.StartAsync();
        var files = OddMessages.Select(m => server.Deliver(m)).ToList();

        // Rendered directly from each file by the writers, as FETCH did before the cache.
        var fromFile = new List<string>();
        await using (var first = await SelectAsync(server.Port))
        {
            fromFile = await first.CommandAsync("F", "FETCH 1:* " + Items);
            Assert.StartsWith("F OK", fromFile[^1]);
            Assert.Equal(OddMessages.Length + 1, fromFile.Count);
            await first.CommandAsync("N", "NOOP");
        }

        // A second server (another process's view) serves them from facteur-cache; the message files are
        // overwritten in place with other text, so anything read from a file would show.
        await using (var writer = await SelectAsync(server.Port))
        {
            await writer.CommandAsync("C", "CHECK"); // a checkpoint writes the pending items to facteur-cache (RFC 3501 §6.4.1)
        }

        foreach (var path in Directory.GetFiles(Path.Combine(server.Maildir(), "new")).Concat(Directory.GetFiles(Path.Combine(server.Maildir(), "cur"))))
        {
            var length = new FileInfo(path).Length;
            var mtime = File.GetLastWriteTimeUtc(path);
            await File.WriteAllBytesAsync(path, Enumerable.Repeat((byte)'x', (int)length).ToArray());
            File.SetLastWriteTimeUtc(path, mtime);
        }

        await using var other = await ImapTestServer.StartAsync(new() { ["Facteur:MailRoot"] = server.MailRoot });
        await using var client = await SelectAsync(other.Port);
        var fromCache = await client.CommandAsync("F", "FETCH 1:* " + Items);

        Assert.Equal(fromFile, fromCache);
        Assert.Equal(files.Count, fromCache.Count(l => l.Contains("BODYSTRUCTURE (", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Bodystructure_after_an_envelope_only_fetch_is_rendered_in_full_and_matches_the_file()
    {
        await using var cached = await ImapTestServer.StartAsync();
        await using var fresh = await ImapTestServer.StartAsync();
        foreach (var message in OddMessages)
        {
            cached.Deliver(message);
            fresh.Deliver(message);
        }

        await using var first = await SelectAsync(cached.Port);
        var envelopes = await first.CommandAsync("E", "FETCH 1:* (ENVELOPE)"); // caches envelope-only entries
        await first.CommandAsync("N", "NOOP"); // and writes them to facteur-cache
        var afterEnvelopes = await first.CommandAsync("F", "FETCH 1:* (ENVELOPE BODY BODYSTRUCTURE)");
        await using var second = await SelectAsync(fresh.Port);
        var fromFile = await second.CommandAsync("F", "FETCH 1:* (ENVELOPE BODY BODYSTRUCTURE)");

        Assert.Equal(OddMessages.Length + 1, envelopes.Count);
        Assert.Equal(fromFile, afterEnvelopes);
        Assert.All(afterEnvelopes.SkipLast(1), l => Assert.Contains("BODYSTRUCTURE (", l, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rendered_items_are_what_the_file_based_writers_write()
    {
        foreach (var message in OddMessages)
        {
            var data = MessageDataFor(message);
            var rendered = RenderedStructure.Render(data);
            var envelope = new ImapResponseBuilder();
            EnvelopeWriter.Write(envelope, data.Root.Headers);
            var structure = new ImapResponseBuilder();
            BodyStructureWriter.Write(structure, data.Root, extensible: true);
            var body = new ImapResponseBuilder();
            BodyStructureWriter.Write(body, data.Root, extensible: false);

            Assert.Equal(envelope.Written.ToArray(), rendered.Envelope);
            Assert.Equal(structure.Written.ToArray(), rendered.BodyStructure);
            Assert.Equal(body.Written.ToArray(), rendered.Body);
            Assert.Equal(RenderedStructure.Format, rendered.Format);
            var envelopeOnly = RenderedStructure.Render(MessageDataFor(message), envelopeOnly: true);
            Assert.Equal(envelope.Written.ToArray(), envelopeOnly.Envelope);
            Assert.Null(envelopeOnly.BodyStructure);
        }
    }

    [Fact]
    public async Task A_header_fetch_after_the_first_opens_no_message_file()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 0; i < 30; i++)
        {
            server.Deliver(MaildirSeed.Message($"subject {i}", "body\r\n"));
        }

        await using var client = await SelectAsync(server.Port);
        var first = await client.CommandAsync("F1", "UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)");

        // The message files now say something else: the second FETCH must come from the cache, not from them.
        var folder = server.Maildir();
        foreach (var path in Directory.GetFiles(Path.Combine(folder, "new")).Concat(Directory.GetFiles(Path.Combine(folder, "cur"))))
        {
            await File.WriteAllTextAsync(path, "Subject: replaced\r\n\r\n");
        }

        var second = await client.CommandAsync("F2", "UID FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)");

        Assert.Equal(31, first.Count);
        Assert.Equal(first.Select(l => l.Replace("F1 ", "F2 ", StringComparison.Ordinal)), second);
        Assert.Contains(second, l => l.Contains("\"subject 7\"", StringComparison.Ordinal));
    }

    private static MessageData MessageDataFor(string message)
    {
        var folder = Directory.CreateTempSubdirectory("facteur-fetchcache-");
        try
        {
            var store = new Facteur.MailStore.Index.MessageStore(folder.FullName, new Facteur.MailStore.Index.MailboxOptions());
            var maildir = Path.Combine(folder.FullName, "example.test", "alice");
            MaildirSeed.Deliver(maildir, Encoding.UTF8.GetBytes(message));
            var inbox = store.OpenUser("alice@example.test").OpenFolderAsync("INBOX").GetAwaiter().GetResult();
            return MessageData.Load(inbox, inbox.State.Messages[0])!;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
