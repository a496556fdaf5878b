using Facteur.Deployment.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Facteur.Deployment.Tests;

/// <summary>
/// The ports, configuration keys and paths in docker-compose.yml and deploy/k8s are exactly those
/// the services read: checked against their Options classes by reflection
/// (<see cref="ConfigurationCatalog"/>). Renaming a property, a section or a default port breaks
/// these tests until the deployment files follow.
/// </summary>
public sealed class SettingsMatchServicesTests(ITestOutputHelper output)
{
    public static TheoryData<string> Sources() => ["compose", "k8s"];

    [Fact]
    public void The_catalog_sees_the_options_of_every_built_service()
    {
        foreach (var section in new[] { "Facteur", "Management", "Bus", "Smtp", "Delivery", "Pop3" })
        {
            Assert.True(ConfigurationCatalog.Instance.HasSection(section), $"no Options class with SectionName {section}");
        }

        Assert.True(ConfigurationCatalog.Instance.IsKnown("Facteur:Tls:CertificatePath"));
        Assert.True(ConfigurationCatalog.Instance.IsKnown("Facteur:Domains:0"));
        Assert.True(ConfigurationCatalog.Instance.IsKnown("Facteur:DomainsFile"));
        Assert.False(ConfigurationCatalog.Instance.IsKnown("Smtp:Prot"));
        Assert.False(ConfigurationCatalog.Instance.IsKnown("Facteur:Tls"));
        Assert.Equal(25, ConfigurationCatalog.Instance.DefaultValue("Smtp:Port"));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Every_environment_key_is_one_the_service_reads(string source)
    {
        var problems = new List<string>();
        foreach (var service in await ServicesAsync(source))
        {
            var sections = ServiceSettings.Common.Concat(ServiceSettings.Own[service.Name]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, _) in service.ConfigurationKeys)
            {
                var section = key.Split(':')[0];
                if (key == ServiceSettings.BrokerConnectionString || service.Name == "edge" && ServiceSettings.IsReverseProxyKey(key))
                {
                    continue;
                }

                if (!sections.Contains(section))
                {
                    problems.Add($"{service}: {key} is in a section {service.Name} does not read");
                }
                else if (ServiceSettings.IsPending(section))
                {
                    output.WriteLine($"{service}: {key} not checked: no Options class with SectionName \"{section}\" is built yet");
                }
                else if (!ConfigurationCatalog.Instance.IsKnown(key))
                {
                    problems.Add($"{service}: {key} is not a property of the {section} options");
                }
            }

            foreach (var name in service.Environment.Keys.Where(k => !k.Contains("__", StringComparison.Ordinal)))
            {
                if (!ServiceSettings.NonConfigurationPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                {
                    problems.Add($"{service}: {name} is neither a configuration key (Section__Key) nor a runtime variable");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Declared_ports_are_the_ports_the_services_listen_on(string source)
    {
        var problems = new List<string>();
        foreach (var service in await ServicesAsync(source))
        {
            var configured = ConfiguredListenerPorts(service);
            var declared = service.ListenerPorts;
            var mustPublishAll = source == "k8s" || ServiceSettings.Public.Contains(service.Name);
            if (!declared.IsSubsetOf(configured) || mustPublishAll && !configured.SetEquals(declared))
            {
                problems.Add($"{service}: declares ports [{string.Join(", ", declared.Order())}], the service listens on [{string.Join(", ", configured.Order())}]");
            }

            var management = int.Parse(service.Setting("Management:Port") ?? ConfigurationCatalog.Instance.DefaultValue("Management:Port")!.ToString()!);
            if (service.ManagementPort is { } probed && probed != management)
            {
                problems.Add($"{service}: probes port {probed}, Management:Port is {management}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Paths_the_services_read_and_write_are_mounted(string source)
    {
        var problems = new List<string>();
        foreach (var service in await ServicesAsync(source))
        {
            void Require(string key)
            {
                var path = service.Setting(key) ?? ConfigurationCatalog.Instance.DefaultValue(key) as string;
                if (path is null || !service.HasPath(path))
                {
                    problems.Add($"{service}: {key} = {path} is not on a mounted volume or file");
                }
            }

            Require("Facteur:SpoolRoot");
            if (!service.HasPath("/tmp"))
            {
                problems.Add($"{service}: no writable /tmp (the root filesystem is read-only)");
            }

            if (ServiceSettings.MailStoreUsers.Contains(service.Name))
            {
                Require("Facteur:MailRoot");
            }

            if (ServiceSettings.AccountsUsers.Contains(service.Name))
            {
                Require("Facteur:AccountsFile");
                Require("Facteur:AliasesFile");
                Require("Facteur:DomainsFile");
            }

            foreach (var key in new[] { "Facteur:Tls:CertificatePath", "Facteur:Tls:KeyPath" })
            {
                if (service.Setting(key) is not null)
                {
                    Require(key);
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Webmail_and_edge_reach_the_services_by_name_on_the_ports_those_listen_on(string source)
    {
        var services = (await ServicesAsync(source)).ToDictionary(s => s.Name);
        var webmail = services["webmail"];
        Assert.Equal("mailbox-api", webmail.Setting("Webmail:ImapHost"));
        Assert.Equal(services["mailbox-api"].Setting("Imap:Port"), webmail.Setting("Webmail:ImapPort"));
        Assert.Equal("smtp-gateway", webmail.Setting("Webmail:SmtpHost"));
        Assert.Equal(services["smtp-gateway"].Setting("Smtp:SubmissionPort"), webmail.Setting("Webmail:SmtpPort"));

        // Inside the network the servers are reached by service name, which no certificate
        // carries (the self-signed one of a first start, or the public host's): STARTTLS with a
        // name check would fail every login, as the e2e topology test showed.
        Assert.Equal("true", webmail.Setting("Webmail:AcceptAnyServerCertificate"));

        var destinations = services["edge"].ConfigurationKeys.Where(k => k.Key.StartsWith("ReverseProxy:Clusters:", StringComparison.Ordinal) && k.Key.EndsWith(":Address", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(destinations);
        foreach (var (_, address) in destinations)
        {
            var uri = new Uri(address);
            Assert.Equal("webmail", uri.Host);
            Assert.Equal(webmail.Environment["ASPNETCORE_HTTP_PORTS"], uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task The_gateway_waits_out_a_broker_restart_before_answering_451_but_not_a_client_timeout(string source)
    {
        var gateway = (await ServicesAsync(source)).Single(s => s.Name == "smtp-gateway");
        var timeout = TimeSpan.Parse(gateway.Setting("Bus:PublishTimeout") ?? ConfigurationCatalog.Instance.DefaultValue("Bus:PublishTimeout")!.ToString()!, System.Globalization.CultureInfo.InvariantCulture);

        // A broker node restart takes some seconds; senders wait minutes for the reply to DATA
        // (RFC 5321 §4.5.3.2.6), MailKit's default is 2 minutes.
        Assert.InRange(timeout, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_certificate_override_points_at_mounted_files()
    {
        var compose = await ComposeFile.ResolveAsync("docker-compose.yml", "docker-compose.override.example.yml");
        foreach (var service in ComposeFile.Services(compose).Where(s => ServiceSettings.Public.Contains(s.Name)))
        {
            foreach (var key in new[] { "Facteur:Tls:CertificatePath", "Facteur:Tls:KeyPath" })
            {
                Assert.True(ConfigurationCatalog.Instance.IsKnown(key), key);
                var path = service.Setting(key);
                Assert.True(path is not null && service.HasPath(path), $"{service}: {key} = {path}");
            }
        }
    }

    private static HashSet<int> ConfiguredListenerPorts(DeployedService service)
    {
        var ports = new HashSet<int>();
        foreach (var section in ServiceSettings.Own[service.Name])
        {
            if (ServiceSettings.IsPending(section))
            {
                // Not built yet: trust the file's own listener keys of that section (Section:Port,
                // Section:TlsPort, as every built service names them), reported by the key test.
                ports.UnionWith(service.ConfigurationKeys
                    .Where(k => k.Key.Equals(section + ":Port", StringComparison.OrdinalIgnoreCase) || k.Key.Equals(section + ":TlsPort", StringComparison.OrdinalIgnoreCase))
                    .Select(k => int.Parse(k.Value)));
                continue;
            }

            foreach (var key in ConfigurationCatalog.Instance.PortKeys(section))
            {
                // Webmail:ImapPort beside Webmail:ImapHost is where the service connects to, not a listener.
                if (ConfigurationCatalog.Instance.IsKnown(key[..^"Port".Length] + "Host"))
                {
                    continue;
                }

                var port = int.Parse(service.Setting(key) ?? ConfigurationCatalog.Instance.DefaultValue(key)!.ToString()!);
                if (port != 0)
                {
                    ports.Add(port);
                }
            }
        }

        // The webmail is an ASP.NET Core app on Kestrel's default HTTP listener.
        if (service.Environment.TryGetValue("ASPNETCORE_HTTP_PORTS", out var http))
        {
            ports.UnionWith(http.Split(';', ',').Select(int.Parse));
        }

        return ports;
    }

    private static async Task<IReadOnlyList<DeployedService>> ServicesAsync(string source)
    {
        var services = source == "compose"
            ? ComposeFile.Services(await ComposeFile.ResolveAsync("docker-compose.yml"))
            : Kustomization.Services(Yaml.Documents(await Kustomization.RenderAsync("deploy/k8s")));
        var ours = services.Where(s => ServiceSettings.Own.ContainsKey(s.Name)).ToList();
        Assert.Equal(ServiceSettings.Own.Keys.Order(), ours.Select(s => s.Name).Order());
        return ours;
    }
}
