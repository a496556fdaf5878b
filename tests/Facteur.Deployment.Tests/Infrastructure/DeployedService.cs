namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>
/// One service as a deployment file runs it: its environment (configuration keys in the
/// environment form Section__Key), the ports it declares, and its mounted paths.
/// </summary>
/// <param name="Source">"compose" or "k8s", for messages.</param>
/// <param name="ListenerPorts">Container ports declared for clients (compose: published targets; k8s: containerPorts other than the management one).</param>
/// <param name="ManagementPort">The port the health checks probe (k8s: the containerPort named management), if the file names one.</param>
/// <param name="Files">Files that exist in the container because of a mount (k8s projected items), beside whole mounted folders.</param>
internal sealed record DeployedService(
    string Source,
    string Name,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlySet<int> ListenerPorts,
    int? ManagementPort,
    IReadOnlySet<string> MountPaths,
    IReadOnlySet<string> Files)
{
    /// <summary>Configuration keys (colon form) set by the environment, e.g. Smtp:Port → "25".</summary>
    public IEnumerable<KeyValuePair<string, string>> ConfigurationKeys =>
        Environment.Where(e => e.Key.Contains("__", StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value));

    public string? Setting(string key) => Environment.GetValueOrDefault(key.Replace(":", "__", StringComparison.Ordinal));

    /// <summary>True when <paramref name="path"/> is a mounted folder, under one, or a mounted file.</summary>
    public bool HasPath(string path) =>
        Files.Contains(path) || MountPaths.Any(m => path == m || path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal));

    public override string ToString() => $"{Source}:{Name}";
}
