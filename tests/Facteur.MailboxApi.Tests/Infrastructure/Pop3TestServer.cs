using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.Listening;
using Facteur.MailboxApi.Pop3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>
/// The real POP3 module in a real Kestrel host on 127.0.0.1 with OS-chosen ports, a temporary
/// mail root, a test certificate and test users. Dispose stops it and removes the mail root.
/// </summary>
internal sealed class Pop3TestServer : IAsyncDisposable
{
    public const string User = "alice@example.test";
    public const string Password = "s3cret pass";
    public const string OtherUser = "bob@example.test";
    public const string OtherPassword = "hunter2";

    private readonly WebApplication _app;
    private bool _stopped;

    private bool _ownsMailRoot;

    private Pop3TestServer(WebApplication app, string mailRoot, TestAuthenticator authenticator)
    {
        _app = app;
        MailRoot = mailRoot;
        Authenticator = authenticator;
    }

    public string MailRoot { get; }

    public IServiceProvider Services => _app.Services;

    public TestAuthenticator Authenticator { get; }

    public int Port { get; private set; }

    public int TlsPort { get; private set; }

    public string Maildir(string user = User) => Path.Combine(MailRoot, user.Split('@')[1], user.Split('@')[0]);

    /// <param name="mailRoot">An existing mail root to serve (kept on dispose); null for a fresh temporary one.</param>
    /// <param name="services">Replaces services after the module's (a test clock, for example).</param>
    public static async Task<Pop3TestServer> StartAsync(Dictionary<string, string?>? settings = null, string? mailRoot = null, Action<IServiceCollection>? services = null)
    {
        var ownsMailRoot = mailRoot is null;
        mailRoot ??= Directory.CreateTempSubdirectory("facteur-pop3-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        var configuration = new Dictionary<string, string?>
        {
            ["Facteur:MailRoot"] = mailRoot,
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:AllowPlaintextAuth"] = "true",
            ["Pop3:Port"] = "0",
            ["Pop3:TlsPort"] = "0",
            ["Pop3:FailedLoginDelay"] = "00:00:00.010",
            ["Pop3:MaxFailedLoginDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);
        builder.AddPop3();
        // The listeners are not Kestrel's; without an endpoint of its own Kestrel would take localhost:5000.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        var authenticator = new TestAuthenticator(new Dictionary<string, string> { [User] = Password, [OtherUser] = OtherPassword });
        builder.Services.AddSingleton<IPasswordAuthenticator>(authenticator);
        builder.Services.AddSingleton<IServerCertificate, Facteur.SmtpGateway.Tests.Infrastructure.TestCertificate>();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        try
        {
            await app.StartAsync();
        }
        catch when (ownsMailRoot)
        {
            Directory.Delete(mailRoot, recursive: true); // a configuration the host refuses at start
            throw;
        }

        var server = new Pop3TestServer(app, mailRoot, authenticator) { _ownsMailRoot = ownsMailRoot };
        var listeners = app.Services.GetRequiredService<ConnectionListeners>();
        server.Port = listeners.EndPoints("pop3").Single().Port;
        server.TlsPort = listeners.EndPoints("pop3s").Single().Port;

        return server;
    }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

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
        if (!_ownsMailRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(MailRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
