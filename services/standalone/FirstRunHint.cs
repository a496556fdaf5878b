using Facteur.Hosting;
using Microsoft.Extensions.Options;

namespace Facteur.Standalone;

/// <summary>On a first run there are no users yet: say exactly how to add one, instead of letting every RCPT fail with 550.</summary>
internal sealed partial class FirstRunHint(IOptions<FacteurOptions> options, ILogger<FirstRunHint> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var facteur = options.Value;
        if (!HasUsers(facteur.AccountsFile))
        {
            var domain = facteur.Domains.FirstOrDefault() ?? "localhost";
            NoUsers(logger, facteur.AccountsFile, $"dotnet run --project tools/facteur -- user add you@{domain} --accounts {facteur.AccountsFile}");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool HasUsers(string accountsFile)
    {
        if (!File.Exists(accountsFile))
        {
            return false;
        }

        using var reader = new StreamReader(accountsFile);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#' && line.Contains(':', StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(1, LogLevel.Warning, "No users yet in {AccountsFile}. Add one with: {Command}   (the password is read from stdin)")]
    private static partial void NoUsers(ILogger logger, string accountsFile, string command);
}
