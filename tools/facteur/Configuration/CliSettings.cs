using Facteur.Accounts;
using Facteur.Accounts.Addresses;
using Microsoft.Extensions.Configuration;

namespace Facteur.Cli.Configuration;

/// <summary>
/// Configuration as the services load it — <c>appsettings.json</c> of the current folder if present, then
/// <c>--config FILE</c>, then environment variables (<c>Facteur__Domains__0=esp.sn</c>) — and the files the
/// commands edit, where <c>--accounts</c>, <c>--aliases</c> and <c>--domains-file</c> win over configuration.
/// </summary>
internal sealed class CliSettings
{
    private CliSettings(IConfiguration configuration, string workingDirectory, string accountsFile, string aliasesFile, string domainsFile)
    {
        Configuration = configuration;
        WorkingDirectory = workingDirectory;
        AccountsFile = accountsFile;
        AliasesFile = aliasesFile;
        DomainsFile = domainsFile;
    }

    public IConfiguration Configuration { get; }

    public string WorkingDirectory { get; }

    public string AccountsFile { get; }

    public string AliasesFile { get; }

    public string DomainsFile { get; }

    /// <summary><c>Facteur:Domains</c> as written (<c>localhost</c> when none, as the services read it).</summary>
    public IReadOnlyList<string> ConfiguredDomains
    {
        get
        {
            var domains = Configuration.GetSection("Facteur:Domains").GetChildren()
                .Select(child => child.Value)
                .Where(value => !string.IsNullOrWhiteSpace(value))
                .Select(value => value!.Trim())
                .ToList();
            return domains.Count == 0 ? ["localhost"] : domains;
        }
    }

    public static IConfiguration LoadConfiguration(string workingDirectory, string? configFile)
    {
        var builder = new ConfigurationBuilder();
        var appsettings = Path.Combine(workingDirectory, "appsettings.json");
        try
        {
            if (File.Exists(appsettings))
            {
                builder.AddJsonFile(appsettings, optional: true, reloadOnChange: false);
            }

            if (configFile is not null)
            {
                var path = Path.GetFullPath(configFile, workingDirectory);
                if (!File.Exists(path))
                {
                    throw new CommandFailedException($"--config: {path} does not exist");
                }

                builder.AddJsonFile(path, optional: false, reloadOnChange: false);
            }

            builder.AddEnvironmentVariables();
            return builder.Build();
        }
        catch (Exception exception) when (exception is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new CommandFailedException($"configuration is not valid JSON: {OneLine(exception.Message)}");
        }
    }

    public static CliSettings Load(CliConsole console, string? configFile, string? accounts, string? aliases, string? domainsFile)
    {
        var configuration = LoadConfiguration(console.WorkingDirectory, configFile);
        var defaults = new AccountsOptions();
        string Resolve(string? option, string key, string fallback) =>
            Path.GetFullPath(option ?? configuration[key] ?? fallback, console.WorkingDirectory);

        return new CliSettings(
            configuration,
            console.WorkingDirectory,
            Resolve(accounts, "Facteur:AccountsFile", defaults.AccountsFile),
            Resolve(aliases, "Facteur:AliasesFile", defaults.AliasesFile),
            Resolve(domainsFile, "Facteur:DomainsFile", defaults.DomainsFile));
    }

    /// <summary>The local domains now: configuration ∪ domains file, as lower-case A-labels.</summary>
    public HashSet<string> LocalDomainKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in ConfiguredDomains)
        {
            if (DomainName.TryNormalize(domain, out var key))
            {
                keys.Add(key);
            }
        }

        keys.UnionWith(Accounts.Addresses.DomainsFile.Parse(Files.LockedTextFile.ReadLines(DomainsFile)).Keys);
        return keys;
    }

    /// <summary>Fails with a clear message unless <paramref name="asciiDomain"/> is local.</summary>
    public void RequireLocalDomain(string asciiDomain, string shownAs)
    {
        if (!LocalDomainKeys().Contains(asciiDomain))
        {
            throw new CommandFailedException($"{shownAs} is not a local domain (add it with: facteur domain add {shownAs})");
        }
    }

    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
