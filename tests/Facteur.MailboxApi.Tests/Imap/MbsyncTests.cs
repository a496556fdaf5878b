using System.Globalization;
using System.Text.RegularExpressions;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// isync's mbsync, the usual way to keep a local Maildir in two-way sync with an IMAP server,
/// against a 1,000-message account in four folders: full pull, an idle second run, flags and
/// deletions propagating both ways under the channel's Expunge setting.
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed partial class MbsyncTests
{
    private const string Mbsync = "/usr/bin/mbsync";

    // Folder → messages seeded in it; 1,000 in all.
    private static readonly (string Folder, int Count)[] Seed = [("INBOX", 700), ("Work", 150), ("Work.Projects", 100), ("Archive", 50)];

    private static string Subject(string folder, int i) => string.Create(CultureInfo.InvariantCulture, $"{folder} {i:D4}");

    /// <summary>Where mbsync keeps a far folder locally (SubFolders Verbatim: the hierarchy becomes directories).</summary>
    private static string LocalFolder(string folder) => folder.Replace('.', '/');

    [Fact]
    public async Task Mbsync_two_way_sync_of_a_thousand_messages()
    {
        Assert.True(Tool.Exists(Mbsync), "isync (mbsync) is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync();
        await SeedAsync(server);
        using var work = new ScratchDirectory();
        var local = new LocalMaildir(Path.Combine(work.Path, "mail"));
        var rc = WriteConfig(work.Path, server.Port, local.Root, expunge: "Both");

        // 1. The first run pulls everything.
        var first = await RunAsync(rc, work.Path);
        Assert.Equal(1000, Pulled(first));
        Assert.Equal(0, Pushed(first));
        foreach (var (folder, count) in Seed)
        {
            Assert.Equal(count, local.Files(LocalFolder(folder)).Count);
        }

        Assert.Equal(1000, local.Files().Count);
        var sample = local.FindBySubject("INBOX", Subject("INBOX", 123));
        Assert.NotNull(sample);
        Assert.Contains("body of INBOX 0123", await File.ReadAllTextAsync(sample));
        var serverBefore = await MailKitProbe.CountsAsync(server);

        // 2. A second run with nothing changed transfers nothing, on either side.
        var second = await RunAsync(rc, work.Path);
        Assert.Equal(0, Pulled(second));
        Assert.Equal(0, Pushed(second));
        Assert.Equal(0, FlagUpdates(second));
        Assert.Equal(1000, local.Files().Count);
        Assert.Equal(serverBefore, await MailKitProbe.CountsAsync(server));

        // 3. Flags changed locally (rename of the ":2," info) reach the server.
        var flaggedLocally = local.FindBySubject("INBOX", Subject("INBOX", 7))!;
        LocalMaildir.SetFlags(flaggedLocally, LocalMaildir.FlagsOf(flaggedLocally) + "F");
        var repliedLocally = local.FindBySubject(LocalFolder("Work.Projects"), Subject("Work.Projects", 42))!;
        LocalMaildir.SetFlags(repliedLocally, LocalMaildir.FlagsOf(repliedLocally) + "RS");

        // 4. Flags changed on the server (MailKit STORE) come down.
        await MailKitProbe.AddFlagsAsync(server, "Work", Subject("Work", 9), MessageFlags.Seen | MessageFlags.Flagged);

        // 5. Deletions: one message removed locally, one expunged on the server.
        File.Delete(local.FindBySubject("INBOX", Subject("INBOX", 500))!);
        await MailKitProbe.AddFlagsAsync(server, "INBOX", Subject("INBOX", 600), MessageFlags.Deleted, expunge: true);

        var third = await RunAsync(rc, work.Path);
        Assert.Equal(0, Pulled(third));
        Assert.Equal(0, Pushed(third));

        Assert.Equal(MessageFlags.Flagged, await MailKitProbe.FlagsAsync(server, "INBOX", Subject("INBOX", 7)) & MessageFlags.Flagged);
        var replied = await MailKitProbe.FlagsAsync(server, "Work.Projects", Subject("Work.Projects", 42));
        Assert.Equal(MessageFlags.Answered | MessageFlags.Seen, replied & (MessageFlags.Answered | MessageFlags.Seen));
        Assert.Equal("FS", LocalMaildir.FlagsOf(local.FindBySubject(LocalFolder("Work"), Subject("Work", 9))!));

        // Expunge Both: the local deletion is expunged on the server, the server's expunge removes the local copy.
        Assert.Null(await MailKitProbe.FlagsAsync(server, "INBOX", Subject("INBOX", 500)));
        Assert.Null(local.FindBySubject("INBOX", Subject("INBOX", 600)));
        Assert.Equal(698, local.Files("INBOX").Count);
        Assert.Equal(698, (await MailKitProbe.CountsAsync(server))["INBOX"]);

        // 6. And the run after that is idle again.
        var fourth = await RunAsync(rc, work.Path);
        Assert.Equal(0, Pulled(fourth));
        Assert.Equal(0, Pushed(fourth));
        Assert.Equal(0, FlagUpdates(fourth));

        // 7. With Expunge None a local deletion only marks the server's copy \Deleted; it stays until expunged.
        var keep = WriteConfig(work.Path, server.Port, local.Root, expunge: "None");
        File.Delete(local.FindBySubject(LocalFolder("Work"), Subject("Work", 77))!);
        await RunAsync(keep, work.Path);
        Assert.Equal(MessageFlags.Deleted, await MailKitProbe.FlagsAsync(server, "Work", Subject("Work", 77)) & MessageFlags.Deleted);
        Assert.Equal(150, (await MailKitProbe.CountsAsync(server))["Work"]);
    }

    [Fact]
    public async Task Mbsync_pushes_a_message_written_into_the_local_maildir()
    {
        Assert.True(Tool.Exists(Mbsync), "isync (mbsync) is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("already there", "x\r\n"));
        using var work = new ScratchDirectory();
        var local = new LocalMaildir(Path.Combine(work.Path, "mail"));
        var rc = WriteConfig(work.Path, server.Port, local.Root, expunge: "Both");
        await RunAsync(rc, work.Path);

        // A draft written locally (as a mail client using the local Maildir would) is APPENDed with its flags.
        MaildirSeed.Deliver(Path.Combine(local.Root, "Drafts"), MaildirSeed.Message("written offline", "draft body\r\n"), withSizes: false, intoCur: true, info: "DS");
        var run = await RunAsync(rc, work.Path);
        Assert.Equal(1, Pushed(run));
        Assert.Equal(MessageFlags.Draft | MessageFlags.Seen, await MailKitProbe.FlagsAsync(server, "Drafts", "written offline") & (MessageFlags.Draft | MessageFlags.Seen));
        var again = await RunAsync(rc, work.Path);
        Assert.Equal(0, Pushed(again));
        Assert.Equal(0, Pulled(again));
        Assert.Equal(1, (await MailKitProbe.CountsAsync(server))["Drafts"]);
    }

    private static async Task SeedAsync(ImapTestServer server)
    {
        using (var client = new ImapClient())
        {
            // The first login creates the special-use folders; Work and Work.Projects are the user's own.
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            var created = await root.CreateAsync("Work", true);
            Assert.NotNull(created);
            await created.CreateAsync("Projects", true);
            await client.DisconnectAsync(true);
        }

        foreach (var (folder, count) in Seed)
        {
            for (var i = 1; i <= count; i++)
            {
                server.Deliver(MaildirSeed.Message(Subject(folder, i), $"body of {Subject(folder, i)}\r\n"), folder == "INBOX" ? null : folder);
            }
        }
    }

    private static string WriteConfig(string directory, int port, string localRoot, string expunge)
    {
        Directory.CreateDirectory(localRoot);
        var rc = Path.Combine(directory, "mbsyncrc-" + expunge);
        // Plain loopback: SSLType None needs AuthMechs LOGIN (mbsync refuses other mechanisms in the clear).
        File.WriteAllText(rc, string.Create(CultureInfo.InvariantCulture, $"""
            IMAPAccount facteur
            Host 127.0.0.1
            Port {port}
            User {ImapTestServer.User}
            Pass "{ImapTestServer.Password}"
            SSLType None
            AuthMechs LOGIN
            Timeout 60

            IMAPStore far
            Account facteur

            MaildirStore near
            Path {localRoot}/
            Inbox {localRoot}/INBOX
            SubFolders Verbatim

            Channel facteur
            Far :far:
            Near :near:
            Patterns *
            Create Both
            Remove None
            Expunge {expunge}
            Sync All
            SyncState *
            """));
        return rc;
    }

    private static async Task<string> RunAsync(string rc, string home)
    {
        // mbsync prints its counters only to a terminal: script(1) (util-linux, always installed) gives it one.
        var (code, output) = await Tool.RunAsync("script", ["-qec", $"{Mbsync} -c '{rc}' -a", "/dev/null"], TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["HOME"] = home });
        if (Environment.GetEnvironmentVariable("FACTEUR_TEST_LOG") == "1")
        {
            await File.AppendAllTextAsync(Path.Combine(Path.GetTempPath(), "facteur-mbsync.log"), output);
        }

        Assert.True(code == 0, "mbsync failed:\n" + output);
        Assert.Matches(Totals(), output);
        return output;
    }

    // mbsync's last progress line: "C: 1/1  B: 8/8  F: +0/0 *0/0 #0/0  N: +1000/1000 *0/0 #0/0" — channels,
    // boxes, then per side (F far, N near) messages added, flags updated, messages trashed, each done/total.
    [GeneratedRegex(@"F: \+(?<farnew>\d+)/\d+ \*(?<farflags>\d+)/\d+ #\d+/\d+\s+N: \+(?<nearnew>\d+)/\d+ \*(?<nearflags>\d+)/\d+ #\d+/\d+")]
    private static partial Regex Totals();

    private static int Counter(string output, string name) =>
        int.Parse(Totals().Matches(output)[^1].Groups[name].Value, CultureInfo.InvariantCulture);

    /// <summary>Messages added to the local side.</summary>
    private static int Pulled(string output) => Counter(output, "nearnew");

    /// <summary>Messages added to the server.</summary>
    private static int Pushed(string output) => Counter(output, "farnew");

    private static int FlagUpdates(string output) => Counter(output, "nearflags") + Counter(output, "farflags");
}
