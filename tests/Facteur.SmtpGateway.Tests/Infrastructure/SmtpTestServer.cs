using MassTransit;
using System.Net;
using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.SmtpGateway.Intake;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (AddSmtpGateway, real Kestrel, real handler) on 127.0.0.1 with OS-chosen ports.
/// Only its neighbours are doubles: <see cref="TestAccounts"/> for the accounts library,
/// <see cref="MemoryMailIntake"/> for the intake, <see cref="TestCertificate"/> for hosting's certificate.
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    public const long DefaultMaxMessageSize = 64 * 1024;

    private readonly WebApplication app;
    private readonly string spoolRoot;

    private SmtpTestServer(WebApplication app, string spoolRoot, MemoryMailIntake intake, ErrorLog errors)
    {
        this.app = app;
        this.spoolRoot = spoolRoot;
        Intake = intake;
        Errors = errors;
        var listeners = app.Services.GetRequiredService<SmtpListeners>();
        MxPort = listeners.EndPoint(SmtpListenerKind.Mx).Port;
        SubmissionPort = listeners.EndPoint(SmtpListenerKind.Submission).Port;
        SubmissionsPort = listeners.EndPoint(SmtpListenerKind.Submissions).Port;
    }

    public MemoryMailIntake Intake { get; }

    /// <summary>Error-level logs of the host; tests expect none.</summary>
    public ErrorLog Errors { get; }

    public int MxPort { get; }

    public int SubmissionPort { get; }

    public int SubmissionsPort { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<SmtpTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = "Facteur.SmtpGateway.Tests" });
        var spoolRoot = Directory.CreateTempSubdirectory("facteur-smtp-spool-").FullName;
        var configuration = new Dictionary<string, string?>
        {
            ["Facteur:Hostname"] = "mx.example.test",
            ["Facteur:Domains:0"] = TestAccounts.Domain,
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:SpoolRoot"] = spoolRoot,
            ["Facteur:MaxMessageSize"] = DefaultMaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Port"] = "0",
            ["Smtp:SubmissionPort"] = "0",
            ["Smtp:SubmissionsPort"] = "0",
            ["Smtp:AuthFailureDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        var errors = new ErrorLog();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(errors);

        var intake = new MemoryMailIntake();
        var accounts = new TestAccounts();
        builder.AddSmtpGateway();
        builder.Services.AddSingleton<IServerCertificate, TestCertificate>();
        builder.Services.AddSingleton<IMailIntake>(intake);
        // The gateway module also registers the real intake's spool recovery, which needs a bus: an
        // in-memory one with no consumers keeps that part real and idle.
        builder.Services.AddMassTransit(bus => bus.UsingInMemory());
        builder.Services.AddSingleton<IRecipientResolver>(accounts);
        builder.Services.AddSingleton<IPasswordAuthenticator>(accounts);

        try
        {
            var app = builder.Build();
            await app.StartAsync();
            return new SmtpTestServer(app, spoolRoot, intake, errors);
        }
        catch
        {
            Directory.Delete(spoolRoot, recursive: true); // a configuration the host refuses at start
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(cts.Token);
        await app.DisposeAsync();
        Directory.Delete(spoolRoot, recursive: true);
    }
}
