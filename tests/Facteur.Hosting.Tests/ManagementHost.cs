using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Tests;

/// <summary>A real host with the Facteur defaults, its management listener on 127.0.0.1 and an OS-chosen port.</summary>
internal sealed class ManagementHost : IAsyncDisposable
{
    private readonly TempFolder data;

    private ManagementHost(WebApplication app, Uri address, TempFolder data)
    {
        this.data = data;
        App = app;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<ManagementHost> StartAsync(Action<WebApplicationBuilder>? configure = null, IDictionary<string, string?>? settings = null, bool requireLoopbackUrl = true)
    {
        var data = new TempFolder();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Management:Port"] = "0",
            ["Facteur:ListenAddress"] = "127.0.0.1",
            ["Facteur:Hostname"] = "mx.test.example",
            ["Facteur:Domains:0"] = "test.example",
            ["Facteur:MailRoot"] = data.Combine("mail"),
            ["Facteur:SpoolRoot"] = data.Combine("spool"),
            ["Facteur:Transport"] = "InMemory",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddFacteurDefaults();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapFacteurDefaults();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.StartAsync(timeout.Token);
        var port = new Uri(app.Urls.First()).Port;
        var address = requireLoopbackUrl
            ? new Uri(app.Urls.Single(url => url.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)))
            : new Uri($"http://127.0.0.1:{port}/");
        return new ManagementHost(app, address, data);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        data.Dispose();
    }
}
