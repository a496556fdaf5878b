using System.Globalization;
using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The RFC 3501 §8 sample session and the sequence-set cases (<c>*</c>, <c>1:*</c>, <c>5:2</c>, UID
/// ranges past the end) through the two reference clients, Python's imaplib and MailKit; WireTests
/// checks the same session byte for byte.
/// </summary>
public sealed class SampleSessionClientTests
{
    private const string SampleHeader =
        "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev1 WG mtg summary and minutes\r\n" +
        "To: imap@cac.washington.edu\r\ncc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n";

    private const string SampleBody = "The meeting minutes.\r\nSecond line.\r\n";

    /// <summary>18 messages, 16 of them seen, the 12th the RFC's "IMAP4rev1 WG mtg summary and minutes".</summary>
    private static void SeedSample(ImapTestServer server)
    {
        for (var i = 1; i <= 18; i++)
        {
            var content = i == 12 ? SampleHeader + SampleBody : MaildirSeed.Message($"m{i}", "x\r\n");
            MaildirSeed.Deliver(server.Maildir(), content, intoCur: i < 17, info: i < 17 ? "S" : string.Empty);
        }

        var twelfth = Directory.GetFiles(Path.Combine(server.Maildir(), "cur")).Order(StringComparer.Ordinal).ElementAt(11);
        File.SetLastWriteTimeUtc(twelfth, new DateTime(1996, 7, 17, 9, 44, 25, DateTimeKind.Utc));
    }

    private const string ImaplibSample = """
import imaplib, sys
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
print('greeting=' + M.welcome.decode())
typ, _ = M.login(sys.argv[2], sys.argv[3]); print('login=' + typ)
typ, data = M.select('inbox'); print('select=' + typ + ' ' + data[0].decode())
print('unseen=' + M.untagged_responses.get('UNSEEN', [b''])[0].decode())
print('flags=' + M.untagged_responses.get('FLAGS', [b''])[0].decode())
print('permanentflags=' + M.untagged_responses.get('PERMANENTFLAGS', [b''])[0].decode())
print('uidvalidity=' + str(int(M.untagged_responses.get('UIDVALIDITY', [b'0'])[0]) > 0))
typ, data = M.fetch('12', 'full'); print('full=' + data[0].decode())
typ, data = M.fetch('12', 'body[header]'); print('header=' + repr(data[0][1].decode()))
typ, data = M.store('12', '+flags', '\\deleted'); print('store=' + data[0].decode())
typ, data = M.fetch('5:2', 'UID'); print('5:2=' + ' '.join(d.decode() for d in data))
typ, data = M.fetch('*', 'UID'); print('*=' + ' '.join(d.decode() for d in data))
typ, data = M.fetch('1:*', 'UID'); print('1:*=' + str(len(data)))
typ, data = M.uid('FETCH', '100:*', 'UID'); print('uid100:*=' + ' '.join(d.decode() for d in data if d))
typ, data = M.uid('FETCH', '100:200', 'UID'); print('uid100:200=' + typ + ' ' + str([d for d in data if d]))
typ, data = M.uid('SEARCH', 'UID', '17:1000'); print('uidsearch=' + data[0].decode())
try:
    M.fetch('19', 'UID'); print('past=accepted')
except M.error as e:
    print('past=BAD')
typ, data = M.logout(); print('logout=' + typ)
""";

    [Fact]
    public async Task Imaplib_runs_the_rfc3501_section_8_sample_session_and_the_sequence_set_cases()
    {
        await using var server = await ImapTestServer.StartAsync();
        SeedSample(server);
        var output = await Python.RunAsync(ImaplibSample, server.Port.ToString(CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);

        Assert.StartsWith("* OK", lines["greeting"]);
        Assert.Equal("OK", lines["login"]);
        Assert.Equal("OK 18", lines["select"]);
        Assert.Equal("17", lines["unseen"]);
        Assert.StartsWith(@"(\Answered \Flagged \Deleted \Seen \Draft", lines["flags"]);
        Assert.Contains(@"\*", lines["permanentflags"]);
        Assert.Equal("True", lines["uidvalidity"]);
        var size = Encoding.ASCII.GetByteCount(SampleHeader + SampleBody);
        Assert.Equal(
            "12 (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 09:44:25 +0000\" RFC822.SIZE " + size.ToString(CultureInfo.InvariantCulture) +
            " ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")" +
            " BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 36 2))",
            lines["full"]);
        Assert.Equal(SampleHeader.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal), lines["header"].Trim('\''));
        Assert.Equal(@"12 (FLAGS (\Deleted \Seen))", lines["store"]);
        Assert.Equal("2 (UID 2) 3 (UID 3) 4 (UID 4) 5 (UID 5)", lines["5:2"]);
        Assert.Equal("18 (UID 18)", lines["*"]);
        Assert.Equal("18", lines["1:*"]);
        Assert.Equal("18 (UID 18)", lines["uid100:*"]);
        Assert.Equal("OK []", lines["uid100:200"]);
        Assert.Equal("17 18", lines["uidsearch"]);
        Assert.Equal("BAD", lines["past"]);
        Assert.Equal("BYE", lines["logout"]);
    }

    [Fact]
    public async Task MailKit_runs_the_rfc3501_section_8_sample_session_and_the_sequence_set_cases()
    {
        await using var server = await ImapTestServer.StartAsync();
        SeedSample(server);
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(18, inbox.Count);
        Assert.Equal(16, inbox.FirstUnread);
        Assert.True(inbox.UidValidity > 0);
        Assert.True(inbox.PermanentFlags.HasFlag(MessageFlags.UserDefined));

        var full = (await inbox.FetchAsync([11], MessageSummaryItems.Full))[0];
        Assert.Equal(MessageFlags.Seen, full.Flags);
        Assert.Equal(new DateTimeOffset(1996, 7, 17, 9, 44, 25, TimeSpan.Zero), full.InternalDate);
        Assert.Equal((uint)Encoding.ASCII.GetByteCount(SampleHeader + SampleBody), full.Size);
        Assert.NotNull(full.Envelope);
        Assert.Equal("IMAP4rev1 WG mtg summary and minutes", full.Envelope.Subject);
        Assert.Equal("Terry Gray", full.Envelope.From.Mailboxes.Single().Name);
        Assert.Equal(["minutes@CNRI.Reston.VA.US", "KLENSIN@MIT.EDU"], full.Envelope.Cc.Mailboxes.Select(m => m.Address));
        Assert.Equal("B27397-0100000@cac.washington.edu", full.Envelope.MessageId);
        var body = Assert.IsType<BodyPartText>(full.Body);
        Assert.Equal("US-ASCII", body.ContentType.Charset);
        Assert.Equal(2u, body.Lines);

        var headers = await inbox.GetHeadersAsync(11);
        Assert.Equal("<B27397-0100000@cac.washington.edu>", headers["Message-Id"]);
        await inbox.AddFlagsAsync(11, MessageFlags.Deleted, silent: false);
        Assert.Equal(MessageFlags.Deleted | MessageFlags.Seen, (await inbox.FetchAsync([11], MessageSummaryItems.Flags))[0].Flags);

        // 5:2 is 2..5; "*" the last; 1:* all; a UID range past the end still names the last UID.
        // A descending UniqueIdRange goes on the wire as "UID FETCH 5:2".
        var reversed = await inbox.FetchAsync(new UniqueIdRange(new UniqueId(inbox.UidValidity, 5), new UniqueId(inbox.UidValidity, 2)), MessageSummaryItems.UniqueId);
        Assert.Equal([2u, 3u, 4u, 5u], reversed.Select(m => m.UniqueId.Id).Order());
        var last = await inbox.FetchAsync(17, -1, MessageSummaryItems.UniqueId);
        Assert.Equal(18u, Assert.Single(last).UniqueId.Id);
        Assert.Equal(18, (await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId)).Count);
        var pastEnd = await inbox.FetchAsync(new UniqueIdRange(new UniqueId(inbox.UidValidity, 100), UniqueId.MaxValue), MessageSummaryItems.UniqueId);
        Assert.Equal(18u, Assert.Single(pastEnd).UniqueId.Id);
        var beyond = await inbox.FetchAsync(new UniqueIdRange(new UniqueId(inbox.UidValidity, 100), new UniqueId(inbox.UidValidity, 200)), MessageSummaryItems.UniqueId);
        Assert.Empty(beyond);
        await client.DisconnectAsync(true);
    }
}
