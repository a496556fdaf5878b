namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>Which configuration sections each deployed service reads (its modules, see each Program.cs).</summary>
internal static class ServiceSettings
{
    /// <summary>AddFacteurDefaults (Facteur, Management), AddFacteurBus (Bus), AddFacteurAccounts (Facteur).</summary>
    public static readonly string[] Common = ["Facteur", "Management", "Bus"];

    public static readonly IReadOnlyDictionary<string, string[]> Own = new Dictionary<string, string[]>
    {
        ["smtp-gateway"] = ["Smtp"],
        ["delivery"] = ["Delivery"],
        ["mailbox-api"] = ["Pop3", "Imap"],
        ["webmail"] = ["Webmail"],
        ["edge"] = ["Http"],
    };

    /// <summary>Services whose listener ports are published to clients (compose) / behind a LoadBalancer (k8s).</summary>
    public static readonly string[] Public = ["smtp-gateway", "mailbox-api", "edge"];

    /// <summary>Services that read or write the mailboxes.</summary>
    public static readonly string[] MailStoreUsers = ["delivery", "mailbox-api"];

    /// <summary>Services that read the accounts, aliases and domains files.</summary>
    public static readonly string[] AccountsUsers = ["smtp-gateway", "delivery", "mailbox-api"];

    /// <summary>Read by name, not through an Options class: FacteurBus calls GetConnectionString("RabbitMq").</summary>
    public const string BrokerConnectionString = "ConnectionStrings:RabbitMq";

    /// <summary>Environment variables that are not configuration keys of ours (no "__"): the runtime's, OpenTelemetry's, and the k8s parts of the broker URL.</summary>
    public static readonly string[] NonConfigurationPrefixes = ["OTEL_", "ASPNETCORE_", "DOTNET_", "FACTEUR_RABBITMQ_"];

    /// <summary>YARP's own section, read by the edge: routes and clusters (YARP's documented schema).</summary>
    public static bool IsReverseProxyKey(string key) =>
        System.Text.RegularExpressions.Regex.IsMatch(key,
            @"^ReverseProxy:(Routes:[\w-]+:(ClusterId|Match:Path)|Clusters:[\w-]+:Destinations:[\w-]+:Address)$");

    /// <summary>A section of a service that is not built yet (no Options class with that SectionName in any assembly).</summary>
    public static bool IsPending(string section) => !ConfigurationCatalog.Instance.HasSection(section);
}
