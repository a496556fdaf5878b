using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// docker-compose.yml's services as processes (smtp-gateway, delivery, mailbox-api, webmail, edge), each
/// `dotnet Service.dll` with the environment compose gives it (see <see cref="ComposeEnvironment"/>).
/// A restarted replica gets the same environment, ports included, as a container restarted by
/// Docker keeps its ports.
/// </summary>
internal sealed class Topology(ComposeEnvironment compose, E2ESite site, string brokerUrl) : IAsyncDisposable
{
    private readonly List<(string Service, string Dll, Dictionary<string, string> Environment, Dictionary<string, int> Ports)> _specs = [];

    public List<ServiceProcess> Processes { get; } = [];

    public static string MailboxApiDll { get; } = ServiceDll(Path.Combine("services", "mailbox-api"), "Facteur.MailboxApi.dll");

    public static string WebmailDll { get; } = ServiceDll(Path.Combine("services", "webmail"), "Facteur.Webmail.dll");

    public static string EdgeDll { get; } = ServiceDll(Path.Combine("services", "webmail", "edge"), "Facteur.Edge.dll");

    /// <summary>
    /// Adds a replica; returns its index (also its index in <see cref="Processes"/>). A setting that
    /// names another service reaches the replicas <paramref name="peers"/> lists for it, else every
    /// replica of it added so far.
    /// </summary>
    public int Add(string service, string dll, IReadOnlyDictionary<string, int[]>? peers = null)
    {
        var ports = new Dictionary<string, int>();
        var environment = compose.ForProcess(service, site, brokerUrl, ports, target =>
        {
            var replicas = peers?.GetValueOrDefault(target) ?? [.. Replicas(target)];
            return replicas.Length > 0
                ? [.. replicas.Select(i => (IReadOnlyDictionary<string, int>)_specs[i].Ports)]
                : throw new InvalidOperationException($"{service} needs {target}: add {target} first");
        });
        var index = _specs.Count;
        environment["OTEL_SERVICE_NAME"] = $"{service}-{index}";
        _specs.Add((service, dll, environment, ports));
        Processes.Add(new ServiceProcess($"{service}-{index}", dll, site.Root, environment));
        return index;
    }

    public IReadOnlyDictionary<string, string> Environment(int index) => _specs[index].Environment;

    public int Port(int index, string key) => _specs[index].Ports[key];

    public IEnumerable<int> Replicas(string service) => Enumerable.Range(0, _specs.Count).Where(i => _specs[i].Service == service);

    public void StartAll()
    {
        foreach (var process in Processes)
        {
            process.Start();
        }
    }

    /// <summary>Waits until the replica listens on its management port and the given protocol ports.</summary>
    public Task WaitReadyAsync(int index, params string[] portKeys) =>
        Processes[index].WaitForPortsAsync(TimeSpan.FromSeconds(90), [Port(index, "Management__Port"), .. portKeys.Select(k => Port(index, k))]);

    /// <summary>SIGKILL (no shutdown code runs), then the same replica again.</summary>
    public async Task KillAndRestartAsync(int index)
    {
        Processes[index].Kill();
        await Processes[index].DisposeAsync();
        var (service, dll, environment, _) = _specs[index];
        Processes[index] = new ServiceProcess($"{service}-{index}", dll, site.Root, environment);
        Processes[index].Start();
    }

    /// <summary>Another service's build output, next to the gateway's (same configuration).</summary>
    private static string ServiceDll(string project, string dll)
    {
        var path = Path.Combine(Path.GetDirectoryName(RepositoryLayout.GatewayDll)!
            .Replace(Path.Combine("services", "smtp-gateway"), project, StringComparison.Ordinal), dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build output missing: {path}");
    }

    /// <summary>SIGTERM to every replica at once (as `docker compose down`), each waited for.</summary>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Processes.Select(p => p.DisposeAsync().AsTask()));
}
