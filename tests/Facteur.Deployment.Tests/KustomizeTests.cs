using Facteur.Deployment.Tests.Infrastructure;

namespace Facteur.Deployment.Tests;

/// <summary>deploy/k8s: every kustomization renders offline and every rendered object passes the Kubernetes schemas.</summary>
public sealed class KustomizeTests(ManifestValidator validator)
    : IClassFixture<ManifestValidator>
{
    public static TheoryData<string> Directories() => [.. Kustomization.Directories()];

    [Fact]
    public void The_base_the_default_and_both_overlays_exist()
    {
        Assert.Equal(
            ["deploy/k8s", "deploy/k8s/base", "deploy/k8s/overlays/keda", "deploy/k8s/overlays/rabbitmq-operator"],
            Kustomization.Directories().Where(d => !d.Contains("/rabbitmq/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Directories))]
    public async Task Kustomization_renders_and_every_object_passes_the_api_schema_with_no_unknown_field(string directory)
    {
        var rendered = await Kustomization.RenderAsync(directory);
        var result = await validator.ValidateAsync(rendered);
        Assert.True(result.ExitCode == 0, result.Describe($"validate.mjs on {directory}"));
        Assert.Matches(@"[1-9]\d* objects checked, 0 problems", result.Output);
    }

    [Fact]
    public async Task The_secret_template_passes_the_api_schema()
    {
        var result = await validator.ValidateAsync(await File.ReadAllTextAsync(Repository.Path("deploy", "k8s", "base", "secrets.example.yaml")));
        Assert.True(result.ExitCode == 0, result.Describe("validate.mjs on secrets.example.yaml"));
    }

    [Fact]
    public async Task The_validator_reports_a_misspelled_field_and_a_wrong_type()
    {
        var rendered = await Kustomization.RenderAsync("deploy/k8s/base");
        var broken = rendered.Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal)
            .Replace("minAvailable: 1", "minAvailable: [1]", StringComparison.Ordinal);
        var result = await validator.ValidateAsync(broken);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("readinesProbe: unknown field", result.Output, StringComparison.Ordinal);
        Assert.Contains("PodDisruptionBudget/delivery: schema:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keda_overlay_replaces_the_cpu_autoscaler_and_the_operator_overlay_drops_the_statefulset()
    {
        var keda = Yaml.Documents(await Kustomization.RenderAsync("deploy/k8s/overlays/keda"));
        Assert.DoesNotContain(keda, o => Yaml.Scalar(o, "kind") == "HorizontalPodAutoscaler");
        var scaled = Assert.Single(keda, o => Yaml.Scalar(o, "kind") == "ScaledObject");
        Assert.Equal("delivery", Yaml.Scalar(Yaml.At(scaled, "spec", "scaleTargetRef"), "name"));
        Assert.Equal(Facteur.Hosting.Bus.FacteurQueues.Delivery, Yaml.Scalar(Yaml.Map(Yaml.List(Yaml.Map(scaled, "spec"), "triggers")[0], "metadata"), "queueName"));

        var operatorOverlay = Yaml.Documents(await Kustomization.RenderAsync("deploy/k8s/overlays/rabbitmq-operator"));
        Assert.DoesNotContain(operatorOverlay, o => Yaml.Scalar(o, "kind") == "StatefulSet");
        Assert.Single(operatorOverlay, o => Yaml.Scalar(o, "kind") == "RabbitmqCluster");
    }

    [Fact]
    public async Task Deployments_have_probes_resources_and_a_restrictive_security_context_and_public_services_keep_the_client_ip()
    {
        var objects = Yaml.Documents(await Kustomization.RenderAsync("deploy/k8s"));
        foreach (var deployment in objects.Where(o => Yaml.Scalar(o, "kind") == "Deployment"))
        {
            var name = Yaml.Scalar(Yaml.Map(deployment, "metadata"), "name");
            var pod = Yaml.At(deployment, "spec", "template", "spec");
            var container = Yaml.List(pod, "containers").Single();
            Assert.Equal(Facteur.Hosting.FacteurDefaults.LivenessPath, Yaml.Scalar(Yaml.At(container, "livenessProbe", "httpGet"), "path"));
            Assert.Equal(Facteur.Hosting.FacteurDefaults.ReadinessPath, Yaml.Scalar(Yaml.At(container, "readinessProbe", "httpGet"), "path"));
            Assert.Equal("management", Yaml.Scalar(Yaml.At(container, "livenessProbe", "httpGet"), "port"));
            Assert.NotEmpty(Yaml.At(container, "resources", "requests"));
            Assert.NotEmpty(Yaml.At(container, "resources", "limits"));
            var security = Yaml.Map(container, "securityContext");
            Assert.True(Yaml.Scalar(security, "readOnlyRootFilesystem") == "true", $"{name}: readOnlyRootFilesystem");
            Assert.True(Yaml.Scalar(security, "allowPrivilegeEscalation") == "false", $"{name}: allowPrivilegeEscalation");
            Assert.Equal(["ALL"], Yaml.List(Yaml.Map(security, "capabilities"), "drop"));
            Assert.Equal("true", Yaml.Scalar(Yaml.Map(pod, "securityContext"), "runAsNonRoot"));
            Assert.Single(objects, o => Yaml.Scalar(o, "kind") == "PodDisruptionBudget" && Yaml.Scalar(Yaml.Map(o, "metadata"), "name") == name);
        }

        foreach (var name in ServiceSettings.Public)
        {
            var service = Assert.Single(objects, o => Yaml.Scalar(o, "kind") == "Service" && Yaml.Scalar(Yaml.Map(o, "metadata"), "name") == name);
            Assert.Equal("LoadBalancer", Yaml.Scalar(Yaml.Map(service, "spec"), "type"));
            Assert.Equal("Local", Yaml.Scalar(Yaml.Map(service, "spec"), "externalTrafficPolicy"));
        }

        var mail = Assert.Single(objects, o => Yaml.Scalar(o, "kind") == "PersistentVolumeClaim" && Yaml.Scalar(Yaml.Map(o, "metadata"), "name") == "facteur-mail");
        Assert.Equal(["ReadWriteMany"], Yaml.List(Yaml.Map(mail, "spec"), "accessModes"));
        Assert.Contains(objects, o => Yaml.Scalar(o, "kind") == "NetworkPolicy" && Yaml.Scalar(Yaml.Map(o, "metadata"), "name") == "default-deny");
        Assert.Contains("default_queue_type = quorum", Yaml.Scalar(Yaml.Map(objects.Single(o => Yaml.Scalar(Yaml.Map(o, "metadata"), "name") == "rabbitmq-config"), "data"), "rabbitmq.conf"), StringComparison.Ordinal);
    }
}
