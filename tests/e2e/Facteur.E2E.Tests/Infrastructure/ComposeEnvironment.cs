using System.Diagnostics;
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

    /// <summary>The process environment of one replica of <paramref name="service"/>; <paramref name="ports"/> receives the port chosen for each port key.</summary>
    public Dictionary<string, string> ForProcess(string service, E2ESite site, string brokerUrl, Dictionary<string, int> ports)
    {
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in _services[service])
        {
            if (key.StartsWith("OTEL_EXPORTER_", StringComparison.Ordinal))
            {
                continue; // no collector here
            }

            environment[key] = site.MapContainerPath(value);
            if (key.EndsWith("Port", StringComparison.Ordinal) && key.Contains("__", StringComparison.Ordinal) && !key.StartsWith("Webmail__", StringComparison.Ordinal)
                || key == "ASPNETCORE_HTTP_PORTS")
            {
                var port = FreePort.Next();
                ports[key] = port;
                environment[key] = port.ToString();
            }
        }

        if (environment.ContainsKey("ConnectionStrings__RabbitMq"))
        {
            environment["ConnectionStrings__RabbitMq"] = brokerUrl;
        }

        // Loopback only, and logins without TLS for the test's clients (the containers keep the defaults).
        environment["Facteur__ListenAddress"] = "127.0.0.1";
        environment["Facteur__AllowPlaintextAuth"] = "true";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return environment;
    }
}
