using System.Globalization;
using System.Text.RegularExpressions;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// offlineimap3 (Debian's offlineimap) keeping a local Maildir in two-way sync with a
/// 200-message account in two folders: it is slow, so the account is smaller than mbsync's.
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed partial class OfflineImapTests
{
    private const string OfflineImap = "/usr/bin/offlineimap";

    private static readonly (string Folder, int Count)[] Seed = [("INBOX", 150), ("Work", 50)];

    private static string Subject(string folder, int i) => string.Create(CultureInfo.InvariantCulture, $"{folder} {i:D4}");

    [Fact]
    public async Task Offlineimap_syncs_two_hundred_messages_both_ways_and_a_second_run_copies_nothing()
    {
        Assert.True(Tool.Exists(OfflineImap), "offlineimap3 is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync();
        await SeedAsync(server);
        using var work = new ScratchDirectory();
        var local = new LocalMaildir(Path.Combine(work.Path, "mail"));
        var rc = WriteConfig(work.Path, server.Port, local.Root);

        var first = await RunAsync(rc, work.Path);
        Assert.Equal(200, Copies(first).Count);
        Assert.All(Copies(first), c => Assert.Equal("remote->local", c));
        Assert.Equal(150, local.Files("INBOX").Count);
        Assert.Equal(50, local.Files("Work").Count);
        Assert.Contains("body of Work 0042", await File.ReadAllTextAsync(local.FindBySubject("Work", Subject("Work", 42))!));
        var serverBefore = await MailKitProbe.CountsAsync(server);

        var second = await RunAsync(rc, work.Path);
        Assert.Empty(Copies(second));
        Assert.DoesNotMatch(FlagChange(), second);
        Assert.Equal(200, local.Files().Count);
        Assert.Equal(serverBefore, await MailKitProbe.CountsAsync(server));

        // Both ways: a flag set locally, one set on the server, a message deleted on each side.
        var flagged = local.FindBySubject("INBOX", Subject("INBOX", 3))!;
        LocalMaildir.SetFlags(flagged, LocalMaildir.FlagsOf(flagged) + "F");
        await MailKitProbe.AddFlagsAsync(server, "Work", Subject("Work", 7), MessageFlags.Answered | MessageFlags.Seen);
        File.Delete(local.FindBySubject("INBOX", Subject("INBOX", 100))!);
        await MailKitProbe.AddFlagsAsync(server, "Work", Subject("Work", 8), MessageFlags.Deleted, expunge: true);

        var third = await RunAsync(rc, work.Path);
        Assert.Empty(Copies(third));
        Assert.Equal(MessageFlags.Flagged, await MailKitProbe.FlagsAsync(server, "INBOX", Subject("INBOX", 3)) & MessageFlags.Flagged);
        Assert.Equal("RS", LocalMaildir.FlagsOf(local.FindBySubject("Work", Subject("Work", 7))!));
        Assert.Null(await MailKitProbe.FlagsAsync(server, "INBOX", Subject("INBOX", 100)));
        Assert.Null(local.FindBySubject("Work", Subject("Work", 8)));
        Assert.Equal(149, (await MailKitProbe.CountsAsync(server))["INBOX"]);
        Assert.Equal(49, local.Files("Work").Count);

        // A message written locally is uploaded once.
        MaildirSeed.Deliver(Path.Combine(local.Root, "INBOX"), MaildirSeed.Message("written offline", "local body\r\n"), withSizes: false, intoCur: true, info: "S");
        var fourth = await RunAsync(rc, work.Path);
        Assert.Equal(["local->remote"], Copies(fourth));
        Assert.Equal(MessageFlags.Seen, await MailKitProbe.FlagsAsync(server, "INBOX", "written offline") & MessageFlags.Seen);

        var fifth = await RunAsync(rc, work.Path);
        Assert.Empty(Copies(fifth));
        Assert.DoesNotMatch(FlagChange(), fifth);
        Assert.Equal(150, (await MailKitProbe.CountsAsync(server))["INBOX"]);
        Assert.Equal(150, local.Files("INBOX").Count);
    }

    private static async Task SeedAsync(ImapTestServer server)
    {
        using (var client = new ImapClient())
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
            await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Work", true);
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

    private static string WriteConfig(string directory, int port, string localRoot)
    {
        Directory.CreateDirectory(localRoot);
        var rc = Path.Combine(directory, "offlineimaprc");
        // Only INBOX and Work: the special-use folders are empty and would only slow the run down.
        // starttls = no: the test server offers STARTTLS with a certificate offlineimap cannot verify.
        File.WriteAllText(rc, string.Create(CultureInfo.InvariantCulture, $"""
            [general]
            accounts = facteur
            metadata = {directory}/metadata
            maxsyncaccounts = 1

            [Account facteur]
            localrepository = local
            remoterepository = remote

            [Repository local]
            type = Maildir
            localfolders = {localRoot}

            [Repository remote]
            type = IMAP
            remotehost = 127.0.0.1
            remoteport = {port}
            remoteuser = {ImapTestServer.User}
            remotepass = {ImapTestServer.Password}
            ssl = no
            starttls = no
            maxconnections = 1
            folderfilter = lambda name: name in ['INBOX', 'Work']
            """));
        return rc;
    }

    private static async Task<string> RunAsync(string rc, string home)
    {
        var (code, output) = await Tool.RunAsync(OfflineImap, ["-c", rc, "-o", "-u", "basic"], TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["HOME"] = home });
        Assert.True(code == 0 && !output.Contains("ERROR", StringComparison.Ordinal), "offlineimap failed:\n" + output);
        return output;
    }

    /// <summary>The direction of every message copied: "Copy message UID 5 (1/150) remote:INBOX -> local:INBOX".</summary>
    private static List<string> Copies(string output) =>
        CopyLine().Matches(output).Select(m => m.Groups["from"].Value + "->" + m.Groups["to"].Value).ToList();

    [GeneratedRegex(@"Copy message UID -?\d+ \(\d+/\d+\) (?<from>\w+):\S+ -> (?<to>\w+):\S+")]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"(Adding|Deleting) flags? ")]
    private static partial Regex FlagChange();
}
