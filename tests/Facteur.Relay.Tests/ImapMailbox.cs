using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.Listening;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Facteur.Relay.Tests;

/// <summary>
/// Facteur's real IMAP server (the mailbox-api module in Kestrel on 127.0.0.1, OS-chosen port)
/// over the relay host's MailRoot, so a test reads a DSN the way the sender's mail client does:
/// MailKit logs in and fetches INBOX.
/// </summary>
internal sealed class ImapMailbox : IAsyncDisposable
{
    public const string Password = "awa's password";

    private readonly WebApplication app;

    private ImapMailbox(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<ImapMailbox> StartAsync(string mailRoot, params string[] users)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Facteur:MailRoot"] = mailRoot,
            ["Facteur:Hostname"] = "imap.esp.sn",
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:AllowPlaintextAuth"] = "true",
            ["Imap:Port"] = "0",
            ["Imap:TlsPort"] = "0",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        builder.AddImap();
        // The listeners are not Kestrel's; without an endpoint of its own Kestrel would take localhost:5000.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddSingleton<IPasswordAuthenticator>(new TestAuthenticator(users.ToDictionary(u => u, _ => Password)));
        builder.Services.AddSingleton<IServerCertificate, Facteur.SmtpGateway.Tests.Infrastructure.TestCertificate>();
        var app = builder.Build();
        await app.StartAsync();
        var port = app.Services.GetRequiredService<ConnectionListeners>().EndPoints("imap").Single().Port;
        return new ImapMailbox(app, port);
    }

    /// <summary>Logs in as <paramref name="user"/> and returns INBOX once it holds <paramref name="count"/> messages (bounded wait).</summary>
    public async Task<IReadOnlyList<MimeMessage>> InboxAsync(string user, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var messages = await FetchInboxAsync(user);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"INBOX of {user} has {messages.Count} message(s) over IMAP, expected {count}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every message of INBOX, fetched whole over IMAP (UID FETCH BODY.PEEK[]).</summary>
    public async Task<IReadOnlyList<MimeMessage>> FetchInboxAsync(string user)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(user, Password);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var messages = new List<MimeMessage>();
        foreach (var uid in await inbox.SearchAsync(MailKit.Search.SearchQuery.All))
        {
            messages.Add(await inbox.GetMessageAsync(uid));
        }

        await client.DisconnectAsync(true);
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
