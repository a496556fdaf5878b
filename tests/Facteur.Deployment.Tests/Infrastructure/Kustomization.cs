namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>deploy/k8s rendered with `kubectl kustomize`, and the Deployments in it as <see cref="DeployedService"/>s.</summary>
internal static class Kustomization
{
    /// <summary>Every directory with a kustomization.yaml under deploy/k8s, relative to the repository root.</summary>
    public static IEnumerable<string> Directories() =>
        Directory.EnumerateFiles(Repository.Path("deploy", "k8s"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.Root, Path.GetDirectoryName(f)!))
            .Order(StringComparer.Ordinal);

    public static async Task<string> RenderAsync(string directory)
    {
        var result = await Tool.RunAsync("kubectl", ["kustomize", Repository.Path(directory)]);
        Assert.True(result.ExitCode == 0, result.Describe($"kubectl kustomize {directory}"));
        return result.Output;
    }

    public static IEnumerable<DeployedService> Services(IReadOnlyList<Dictionary<string, object?>> objects)
    {
        var configMaps = objects.Where(o => Yaml.Scalar(o, "kind") == "ConfigMap")
            .ToDictionary(o => Yaml.Scalar(Yaml.Map(o, "metadata"), "name")!, o => Yaml.Map(o, "data"));
        foreach (var deployment in objects.Where(o => Yaml.Scalar(o, "kind") == "Deployment"))
        {
            var name = Yaml.Scalar(Yaml.Map(deployment, "metadata"), "name")!;
            var pod = Yaml.At(deployment, "spec", "template", "spec");
            var container = (Dictionary<string, object?>)Yaml.List(pod, "containers").Single()!;

            var environment = new Dictionary<string, string>();
            foreach (var source in Yaml.List(container, "envFrom"))
            {
                var configMap = Yaml.Scalar(Yaml.Map(source, "configMapRef"), "name")!;
                foreach (var (key, value) in configMaps[configMap])
                {
                    environment[key] = value as string ?? "";
                }
            }

            foreach (var variable in Yaml.List(container, "env"))
            {
                environment[Yaml.Scalar(variable, "name")!] = Yaml.Scalar(variable, "value") ?? "(from a secret)";
            }

            var ports = Yaml.List(container, "ports").ToDictionary(p => Yaml.Scalar(p, "name") ?? "", p => int.Parse(Yaml.Scalar(p, "containerPort")!));
            var mounts = new HashSet<string>();
            var files = new HashSet<string>();
            var volumes = Yaml.List(pod, "volumes").ToDictionary(v => Yaml.Scalar(v, "name")!, v => v);
            foreach (var mount in Yaml.List(container, "volumeMounts"))
            {
                var path = Yaml.Scalar(mount, "mountPath")!;
                var volume = volumes[Yaml.Scalar(mount, "name")!];
                var projected = Yaml.List(Yaml.Map(volume, "projected"), "sources");
                if (projected.Count == 0)
                {
                    mounts.Add(path);
                    continue;
                }

                // A projected volume holds only the items it lists.
                foreach (var item in projected.SelectMany(s => ((Dictionary<string, object?>)s!).Values).SelectMany(v => Yaml.List(v, "items")))
                {
                    files.Add($"{path.TrimEnd('/')}/{Yaml.Scalar(item, "path")}");
                }
            }

            yield return new DeployedService("k8s", name, environment,
                ports.Where(p => p.Key != "management").Select(p => p.Value).ToHashSet(),
                ports.TryGetValue("management", out var management) ? management : null, mounts, files);
        }
    }
}
