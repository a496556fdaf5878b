namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>docker-compose.yml as Compose resolves it (`docker-compose config`: anchors merged, .env interpolated).</summary>
internal static class ComposeFile
{
    /// <summary>The environment the static checks run with: .env.example plus the one secret it leaves empty.</summary>
    public static readonly IReadOnlyDictionary<string, string?> TestEnvironment = new Dictionary<string, string?>
    {
        ["RABBITMQ_PASSWORD"] = "static-check-only",
    };

    public static string[] Arguments(params string[] files) =>
        ["--project-directory", Repository.Root, "--env-file", Repository.Path(".env.example"), .. files.SelectMany(f => new[] { "-f", Repository.Path(f) })];

    public static async Task<Dictionary<string, object?>> ResolveAsync(params string[] files)
    {
        var result = await Tool.RunAsync("docker-compose", [.. Arguments(files), "config"], environment: TestEnvironment);
        Assert.True(result.ExitCode == 0, result.Describe("docker-compose config"));
        return Yaml.Documents(result.Output).Single();
    }

    public static IEnumerable<DeployedService> Services(Dictionary<string, object?> compose)
    {
        foreach (var (name, node) in Yaml.Map(compose, "services"))
        {
            var environment = Yaml.Map(node, "environment").ToDictionary(e => e.Key, e => e.Value as string ?? "");
            var ports = Yaml.List(node, "ports").Select(TargetPort).ToHashSet();
            var mounts = Yaml.List(node, "volumes").Select(MountTarget).ToHashSet();
            mounts.UnionWith(Yaml.List(node, "tmpfs").OfType<string>());
            yield return new DeployedService("compose", name, environment, ports, null, mounts, new HashSet<string>());
        }
    }

    /// <summary>"25:25/tcp", "127.0.0.1:15672:15672" or {target: 25, published: 25}.</summary>
    private static int TargetPort(object? port) => port switch
    {
        string s => int.Parse(s.Split('/')[0].Split(':')[^1]),
        Dictionary<string, object?> map => int.Parse((string)map["target"]!),
        _ => throw new FormatException($"port {port}"),
    };

    /// <summary>"mail:/var/mail/facteur:rw" or {type: volume, source: mail, target: /var/mail/facteur}.</summary>
    private static string MountTarget(object? volume) => volume switch
    {
        string s => s.Split(':') is [_, var target, ..] ? target : s,
        Dictionary<string, object?> map => (string)map["target"]!,
        _ => throw new FormatException($"volume {volume}"),
    };
}
