using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.Hosting.Listening;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>
/// The real IMAP module in a real Kestrel host on 127.0.0.1 with OS-chosen ports, a temporary
/// mail root, a test certificate and test users. Dispose stops it and removes the mail root.
/// </summary>
internal sealed class ImapTestServer : IAsyncDisposable
{
    public const string User = "alice@example.test";
    public const string Password = "s3cret pass";
    public const string OtherUser = "bob@example.test";
    public const string OtherPassword = "hunter2";

    private readonly WebApplication _app;
    private bool _stopped;

    private ImapTestServer(WebApplication app, string mailRoot)
    {
        _app = app;
        MailRoot = mailRoot;
    }

    public string MailRoot { get; }

    /// <summary>Facteur:SpoolRoot, beside the mail root (large literals go to its <c>imap/</c> folder).</summary>
    public string SpoolRoot => MailRoot + "-spool";

    public IServiceProvider Services => _app.Services;

    public int Port { get; private set; }

    public int TlsPort { get; private set; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Maildir(string user = User) => Path.Combine(MailRoot, user.Split('@')[1], user.Split('@')[0]);

    /// <param name="withBus">Runs the host's bus too (the standalone's in-memory transport), so a test can publish what delivery publishes.</param>
    public static async Task<ImapTestServer> StartAsync(Dictionary<string, string?>? settings = null, bool withBus = false)
    {
        var mailRoot = Directory.CreateTempSubdirectory("facteur-imap-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        var configuration = new Dictionary<string, string?>
        {
            ["Facteur:MailRoot"] = mailRoot,
            ["Facteur:SpoolRoot"] = mailRoot + "-spool",
            ["Facteur:Hostname"] = "imap.example.test",
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:AllowPlaintextAuth"] = "true",
            ["Imap:Port"] = "0",
            ["Imap:TlsPort"] = "0",
            ["Imap:FailedLoginDelay"] = "00:00:00.010",
            ["Imap:MaxFailedLoginDelay"] = "00:00:00.050",
            ["Imap:IdlePollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        if (withBus)
        {
            configuration["Facteur:Transport"] = "InMemory";
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("FACTEUR_TEST_LOG") == "1")
        {
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Debug);
        }
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        builder.AddImap();
        if (withBus)
        {
            builder.AddFacteurBus();
        }

        // The listeners are not Kestrel's; without an endpoint of its own Kestrel would take localhost:5000.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddSingleton<IPasswordAuthenticator>(new TestAuthenticator(new Dictionary<string, string> { [User] = Password, [OtherUser] = OtherPassword }));
        builder.Services.AddSingleton<IServerCertificate, Facteur.SmtpGateway.Tests.Infrastructure.TestCertificate>();
        var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            Directory.Delete(mailRoot, recursive: true); // a configuration the host refuses at start
            throw;
        }

        var server = new ImapTestServer(app, mailRoot);
        var listeners = app.Services.GetRequiredService<ConnectionListeners>();
        server.Port = listeners.EndPoints("imap").Single().Port;
        server.TlsPort = listeners.EndPoints("imaps").Single().Port;

        return server;
    }

    /// <summary>Delivers a message into INBOX (or a folder) the way the delivery agent does.</summary>
    public string Deliver(string content, string? folder = null, string user = User) =>
        MaildirSeed.Deliver(folder is null ? Maildir(user) : Path.Combine(Maildir(user), "." + folder), content);

    /// <summary>Stops the host as a shutdown does (ApplicationStopping, then the listeners); DisposeAsync does it if this was not called.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        foreach (var root in (string[])[MailRoot, SpoolRoot])
        {
            try
            {
                if (Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
