using System.Globalization;
using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>Real command-line clients: curl's imap:// URLs and fetchmail over IMAP.</summary>
public sealed class ImapRealClientTests
{
    [Fact]
    public async Task Curl_lists_folders_fetches_by_uid_and_searches()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: via curl\r\n\r\nhello curl\r\n");
        server.Deliver("Subject: second\r\n\r\nsecond body\r\n");
        var url = string.Create(CultureInfo.InvariantCulture, $"imap://127.0.0.1:{server.Port}/");
        var user = $"{ImapTestServer.User}:{ImapTestServer.Password}";

        var (code, list) = await Tool.RunAsync("curl", ["-sS", "--max-time", "30", "-u", user, url]);
        Assert.Equal(0, code);
        Assert.Contains("\"INBOX\"", list);
        Assert.Contains("\"Sent\"", list);

        var (fetchCode, message) = await Tool.RunAsync("curl", ["-sS", "--max-time", "30", "-u", user, url + "INBOX;UID=1"]);
        Assert.Equal(0, fetchCode);
        Assert.Equal("Subject: via curl\r\n\r\nhello curl\r\n", message);

        var (searchCode, search) = await Tool.RunAsync("curl", ["-sS", "--max-time", "30", "-u", user, url + "INBOX?SUBJECT%20second"]);
        Assert.Equal(0, searchCode);
        Assert.Contains("* SEARCH 2", search);
    }

    [Fact]
    public async Task Fetchmail_retrieves_every_message_over_imap()
    {
        Assert.True(Tool.Exists("/usr/bin/fetchmail"), "fetchmail is installed by test.sh");
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            server.Deliver(MaildirSeed.Message($"fetchmail {i}", $"body {i}\r\n"));
        }

        var work = Directory.CreateTempSubdirectory("facteur-fetchmail-").FullName;
        try
        {
            var rc = Path.Combine(work, "fetchmailrc");
            var mbox = Path.Combine(work, "mbox");
            await File.WriteAllTextAsync(rc, string.Create(CultureInfo.InvariantCulture,
                $"poll 127.0.0.1 protocol IMAP port {server.Port} auth password user \"{ImapTestServer.User}\" password \"{ImapTestServer.Password}\" is \"someone\" here keep fetchall sslproto '' mda \"/bin/sh -c 'cat >> {mbox}'\"\n"));
            if (OperatingSystem.IsLinux())
            {
                // fetchmail refuses a run-control file others can read.
                File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var (code, output) = await Tool.RunAsync("fetchmail", ["-f", rc, "-v", "--nodetach", "--nosyslog"], TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["HOME"] = work, ["FETCHMAILHOME"] = work });
            Assert.True(code == 0, output);
            var text = await File.ReadAllTextAsync(mbox);
            for (var i = 1; i <= 3; i++)
            {
                Assert.Contains($"Subject: fetchmail {i}", text);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
