using System.Text;
using Facteur.Hosting;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>
/// In a host with the IMAP store (standalone, mailbox-api), a login's scan takes the message sizes the store
/// holds in memory for an INBOX it has open, as Dovecot's POP3 takes the vsize its IMAP cached, instead of
/// parsing facteur-index or reading the files; the uidlist stays the source of UIDs and kept UIDLs.
/// </summary>
public sealed class ImapStoreMaildropTests
{
    private static Task<Pop3TestServer> StartWithStoreAsync() =>
        Pop3TestServer.StartAsync(services: s => s.AddMessageStore(sp => sp.GetRequiredService<IOptions<FacteurOptions>>().Value.MailRoot));

    /// <summary>Puts new/, cur/ and the uidlist back to <paramref name="when"/>, as if the last change were long ago.</summary>
    private static void Settle(string maildir, DateTime when)
    {
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "new"), when);
        Directory.SetLastWriteTimeUtc(Path.Combine(maildir, "cur"), when);
        File.SetLastWriteTimeUtc(Path.Combine(maildir, MaildirFolder.UidListFileName), when);
    }

    /// <summary>The INBOX opened through the store as an IMAP SELECT does, synced at a settled stamp.</summary>
    private static async Task<MailFolder> OpenSettledInboxAsync(Pop3TestServer server, DateTime when)
    {
        var inbox = await server.Services.GetRequiredService<MessageStore>().OpenUser(Pop3TestServer.User).OpenFolderAsync("INBOX");
        await inbox.SyncAsync(); // assigns the UIDs (writes the uidlist)
        Settle(server.Maildir(), when);
        await inbox.SyncAsync(); // lists once more at the settled stamp, which it then trusts
        return inbox;
    }

    private static async Task<List<string>> SessionAsync(Pop3TestServer server, params string[] commands)
    {
        await using var client = await RawPop3Client.ConnectAsync(server.Port);
        Assert.StartsWith("+OK", await client.CommandAsync("USER " + Pop3TestServer.User));
        Assert.StartsWith("+OK", await client.CommandAsync("PASS " + Pop3TestServer.Password));
        var answers = new List<string>();
        foreach (var command in commands)
        {
            var answer = await client.CommandAsync(command);
            Assert.StartsWith("+OK", answer);
            if (command is "UIDL" or "LIST" || command.StartsWith("RETR", StringComparison.Ordinal))
            {
                answer = Encoding.ASCII.GetString(await client.ReadMultiLineRawAsync());
            }

            answers.Add(answer);
        }

        Assert.StartsWith("+OK", await client.CommandAsync("QUIT"));
        return answers;
    }

    private static List<string> Lines(string listing) =>
        listing.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l != ".").ToList();

    [Fact]
    public async Task A_scan_takes_the_sizes_the_open_imap_inbox_counted_instead_of_reading_the_files()
    {
        await using var server = await StartWithStoreAsync();
        var maildir = server.Maildir();
        // No W= in the names: neither the name nor the uidlist has the size, only what IMAP counted.
        foreach (var i in Enumerable.Range(0, 3))
        {
            MaildirSeed.Deliver(maildir, Encoding.ASCII.GetBytes(MaildirSeed.Message($"m{i}", "line\nbare\n")), withSizes: false);
        }

        var inbox = await OpenSettledInboxAsync(server, DateTime.UtcNow.AddMinutes(-1));
        var counted = inbox.State.Messages.Select(m => m.Size).ToList(); // RFC822.SIZE, counted by the store (CRLF octets)
        Assert.All(inbox.State.Messages, m => Assert.NotNull(m.KnownSize));

        // Make the files and the on-disk index disagree with the store's memory: only that memory still has the counted sizes.
        foreach (var file in new[] { "new", "cur" }.SelectMany(d => Directory.GetFiles(Path.Combine(maildir, d))))
        {
            File.AppendAllText(file, "grown\r\n");
        }

        foreach (var index in Directory.GetFiles(maildir, "facteur-index*"))
        {
            File.Delete(index);
        }

        var listing = Lines((await SessionAsync(server, "LIST"))[0]);
        Assert.Equal(counted.Select((size, i) => $"{i + 1} {size}"), listing);
    }

    [Fact]
    public async Task A_login_scans_instead_when_the_uidlist_keeps_a_uidl_from_an_earlier_server()
    {
        await using var server = await StartWithStoreAsync();
        var maildir = server.Maildir();
        var keys = Enumerable.Range(0, 2).Select(i => MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", $"body {i}\r\n"))).ToList();
        var longAgo = DateTime.UtcNow.AddMinutes(-1);
        await OpenSettledInboxAsync(server, longAgo);

        // A migration kept the first message's old UIDL (Dovecot's P extension); the store's state has no UIDLs.
        var uidList = Path.Combine(maildir, MaildirFolder.UidListFileName);
        var text = File.ReadAllText(uidList).Replace($" :{keys[0]}", $" Pkept-from-before :{keys[0]}", StringComparison.Ordinal);
        Assert.Contains("Pkept-from-before", text);
        File.WriteAllText(uidList, text);

        var uidls = Lines((await SessionAsync(server, "UIDL"))[0]);
        Assert.Equal("1 kept-from-before", uidls[0]);
        Assert.Equal(2, uidls.Count);
    }

    [Fact]
    public async Task A_folder_the_store_has_not_opened_is_scanned_and_not_opened_by_pop3()
    {
        await using var server = await StartWithStoreAsync();
        var maildir = server.Maildir();
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("m", "x\r\n"));

        Assert.StartsWith("+OK 1 ", (await SessionAsync(server, "STAT"))[0]);
        Assert.Null(server.Services.GetRequiredService<MessageStore>().FindOpenFolder(Pop3TestServer.User, "INBOX"));
        Assert.False(File.Exists(Path.Combine(maildir, "facteur-index")), "POP3 alone builds no IMAP index");
    }
}
