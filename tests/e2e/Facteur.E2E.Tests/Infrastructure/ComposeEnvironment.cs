using System.Diagnostics;
using System.Globalization;
using YamlDotNet.RepresentationModel;
using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// The environment docker-compose.yml gives each service (`docker-compose config` with
/// .env.example), turned into one for a process on this machine: container paths become the
/// site's folders, ports become free loopback ports, the broker URL points at the test's broker.
/// Every other key is the compose one, unchanged.
/// </summary>
internal sealed class ComposeEnvironment
{
    private readonly Dictionary<string, Dictionary<string, string>> _services;

    private ComposeEnvironment(Dictionary<string, Dictionary<string, string>> services) => _services = services;

    public static async Task<ComposeEnvironment> LoadAsync()
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryLayout.Root,
        };
        foreach (var arg in new[] { "--project-directory", RepositoryLayout.Root, "--env-file", Path.Combine(RepositoryLayout.Root, ".env.example"), "-f", Path.Combine(RepositoryLayout.Root, "docker-compose.yml"), "config" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["RABBITMQ_PASSWORD"] = "e2e";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("docker-compose did not start (./test.sh installs it)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker-compose config failed: {await error}");
        }

        var yaml = new YamlStream();
        yaml.Load(new StringReader(await output));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var services = new Dictionary<string, Dictionary<string, string>>();
        foreach (var (name, node) in (YamlMappingNode)root.Children[new YamlScalarNode("services")])
        {
            var environment = new Dictionary<string, string>();
            if (((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode("environment"), out var env))
            {
                foreach (var (key, value) in (YamlMappingNode)env)
                {
                    environment[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value ?? "";
                }
            }

            services[((YamlScalarNode)name).Value!] = environment;
        }

        return new ComposeEnvironment(services);
    }

    public bool Has(string service) => _services.ContainsKey(service);

    public string? Setting(string service, string key) => _services[service].GetValueOrDefault(key);

    /// <summary>
    /// The process environment of one replica of <paramref name="service"/>; <paramref name="ports"/>
    /// receives the port chosen for each listener key. A setting that names another compose service
    /// (<c>Webmail__ImapHost: mailbox-api</c> with <c>Webmail__ImapPort: 143</c>, or a URL such as
    /// <c>http://webmail:8080/</c>) is pointed at the replicas <paramref name="peers"/> gives for that
    /// service: the host becomes 127.0.0.1 and the port the one that replica listens on for the key
    /// compose gives that port number to (mailbox-api's <c>Imap__Port: 143</c>). A YARP destination
    /// becomes one destination per replica, as Docker's DNS hands out every replica of a service.
    /// </summary>
    public Dictionary<string, string> ForProcess(
        string service, E2ESite site, string brokerUrl, Dictionary<string, int> ports, Func<string, IReadOnlyList<IReadOnlyDictionary<string, int>>> peers)
    {
        var composeEnvironment = _services[service];
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in composeEnvironment)
        {
            if (key.StartsWith("OTEL_EXPORTER_", StringComparison.Ordinal))
            {
                continue; // no collector here
            }

            if (key == "ConnectionStrings__RabbitMq")
            {
                environment[key] = brokerUrl; // the test's private rabbitmq-server
                continue;
            }

            if (key.EndsWith("Host", StringComparison.Ordinal) && IsServiceName(value))
            {
                environment[key] = "127.0.0.1";
                continue;
            }

            if (PeerOfPortKey(composeEnvironment, key) is { } target)
            {
                environment[key] = PeerPort(target, value, peers(target)[0]).ToString(CultureInfo.InvariantCulture);
                continue;
            }

            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && IsServiceName(uri.Host))
            {
                var replicas = peers(uri.Host);
                if (key.EndsWith("__Address", StringComparison.Ordinal) && key.Contains("__Destinations__", StringComparison.Ordinal))
                {
                    // ReverseProxy__Clusters__C__Destinations__D__Address → …__Destinations__D-0__Address, …__D-1__Address
                    var parts = key.Split("__");
                    for (var i = 0; i < replicas.Count; i++)
                    {
                        environment[string.Join("__", [.. parts[..^2], $"{parts[^2]}-{i}", "Address"])] = PeerUrl(uri, replicas[i]);
                    }
                }
                else
                {
                    environment[key] = PeerUrl(uri, replicas[0]);
                }

                continue;
            }

            environment[key] = site.MapContainerPath(value);
            if (key.EndsWith("Port", StringComparison.Ordinal) && key.Contains("__", StringComparison.Ordinal) || key == "ASPNETCORE_HTTP_PORTS")
            {
                var port = FreePort.Next();
                ports[key] = port;
                environment[key] = port.ToString(CultureInfo.InvariantCulture);
            }
        }

        // Loopback only, and logins without TLS for the test's clients (the containers keep the defaults).
        environment["Facteur__ListenAddress"] = "127.0.0.1";
        environment["Facteur__AllowPlaintextAuth"] = "true";
        if (environment.ContainsKey("Smtp__Port"))
        {
            // The 20 clients stand for 20 sending hosts but all come from 127.0.0.1 here.
            environment["Smtp__MaxConnectionsPerIp"] = "100";
        }

        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return environment;

        string PeerUrl(Uri uri, IReadOnlyDictionary<string, int> replica) =>
            new UriBuilder(uri) { Host = "127.0.0.1", Port = PeerPort(uri.Host, uri.Port.ToString(CultureInfo.InvariantCulture), replica) }.Uri.ToString();
    }

    private bool IsServiceName(string value) => _services.ContainsKey(value);

    /// <summary><c>X__ImapPort</c> is a client setting when <c>X__ImapHost</c> names a compose service: returns that service.</summary>
    private string? PeerOfPortKey(Dictionary<string, string> composeEnvironment, string key) =>
        key.EndsWith("Port", StringComparison.Ordinal)
        && composeEnvironment.TryGetValue(key[..^"Port".Length] + "Host", out var host) && IsServiceName(host)
            ? host
            : null;

    /// <summary>The port a replica of <paramref name="target"/> listens on for the compose port <paramref name="composePort"/>.</summary>
    private int PeerPort(string target, string composePort, IReadOnlyDictionary<string, int> replica)
    {
        var keys = _services[target].Where(e => e.Value == composePort && replica.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        return keys.Count == 1
            ? replica[keys[0]]
            : throw new InvalidOperationException($"docker-compose.yml: no single setting of {target} listens on {composePort} ({string.Join(", ", keys)})");
    }
}
