using Microsoft.Playwright;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>
/// A <see cref="MailStack"/> and Debian's headless Chromium driven by Playwright. The browser
/// resolves mail.esp.sn and mta-sts.esp.sn to 127.0.0.1, so requests reach the edge with the
/// real host name, as they would in production.
/// </summary>
public sealed class BrowserStackFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    internal MailStack Stack { get; } = new(replicas: 2);

    internal IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Stack.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                $"--host-resolver-rules=MAP {MailStack.WebHost} 127.0.0.1, MAP mta-sts.{MailStack.Domain} 127.0.0.1",
            ],
        });
    }

    internal async Task<IBrowserContext> NewContextAsync(string locale = "fr-FR")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = locale, AcceptDownloads = true, TimezoneId = "Africa/Dakar" });

        // The machine running the tests is shared and slow at times: a page may take more than the default 30 s.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Stack.DisposeAsync();
    }
}
