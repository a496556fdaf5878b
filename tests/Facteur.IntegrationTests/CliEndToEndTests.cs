using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.IntegrationTests;

/// <summary>A user added with the admin CLI can authenticate on submission and receive mail right away.</summary>
public sealed class CliEndToEndTests
{
    [Fact]
    public async Task User_added_with_the_cli_authenticates_and_receives_mail_without_a_restart()
    {
        using var site = new TestSite().WithUser("alice@esp.sn");
        await using var host = new StandaloneHost(site);
        await host.StartAsync();

        var (code, output) = await SmtpClients.RunAsync("dotnet",
            [RepositoryLayout.CliDll, "user", "add", "dave@esp.sn", "--accounts", site.AccountsFile, "--domains-file", site.DomainsFile, "--aliases", site.AliasesFile],
            stdin: TestSite.Password + "\n");
        Assert.True(code == 0, output);
        Assert.Contains("dave@esp.sn:{ARGON2ID}", File.ReadAllText(site.AccountsFile));

        // The accounts file is re-read when it changes (at most once a second).
        await Task.Delay(1200);
        var response = await SmtpClients.SendAsync(site.SubmissionPort,
            SmtpClients.Message("dave@esp.sn", "alice@esp.sn", "from-dave", "hello"), user: "dave@esp.sn");
        Assert.Contains("queued as", response, StringComparison.OrdinalIgnoreCase);
        await SmtpClients.SendAsync(site.SmtpPort, SmtpClients.Message("x@remote.example", "dave@esp.sn", "to-dave", "welcome"));
        var files = await site.Maildir("dave@esp.sn").WaitForAsync(1, TimeSpan.FromSeconds(30));
        Assert.Contains(files, f => MessageTokens.SubjectOf(f) == "to-dave");
    }
}
