using Facteur.IntegrationTests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace Facteur.IntegrationTests;

/// <summary>Issue 3 in the standalone host: mail accepted over SMTP shows up over IMAP, IDLE included.</summary>
public sealed class StandaloneImapTests(StandaloneFixture fixture) : IClassFixture<StandaloneFixture>
{
    private readonly TestSite _site = fixture.Site;

    [Fact]
    public async Task Message_accepted_over_smtp_wakes_an_idle_imap_session_and_can_be_read()
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _site.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync("carol@example.test", TestSite.Password);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var before = client.Inbox.Count;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) =>
        {
            if (client.Inbox.Count > before)
            {
                arrived.TrySetResult();
            }
        };

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        var response = await SmtpClients.SendAsync(_site.SmtpPort, SmtpClients.Message("x@remote.example", "carol@example.test", "imap-idle-1", "over imap"));
        Assert.Contains("queued as", response, StringComparison.OrdinalIgnoreCase);
        var winner = await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        await done.CancelAsync();
        await idle;
        Assert.Same(arrived.Task, winner);

        var message = await client.Inbox.GetMessageAsync(client.Inbox.Count - 1);
        Assert.Equal("imap-idle-1", message.Subject);
        Assert.Contains("over imap", message.TextBody);
        await client.DisconnectAsync(true);
    }
}
