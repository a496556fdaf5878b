using Facteur.Deployment.Tests.Infrastructure;

namespace Facteur.Deployment.Tests;

/// <summary>docker-compose.yml and its override example, checked by Debian's docker-compose without an engine.</summary>
public sealed class ComposeFileTests
{
    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("docker-compose.yml", "docker-compose.override.example.yml")]
    public async Task Compose_files_pass_docker_compose_config(params string[] files)
    {
        var result = await Tool.RunAsync("docker-compose", [.. ComposeFile.Arguments(files), "config", "-q"], environment: ComposeFile.TestEnvironment);
        Assert.True(result.ExitCode == 0, result.Describe("docker-compose config -q"));
    }

    [Fact]
    public async Task Compose_refuses_to_start_without_a_broker_password()
    {
        var result = await Tool.RunAsync("docker-compose", [.. ComposeFile.Arguments("docker-compose.yml"), "config", "-q"],
            environment: new Dictionary<string, string?> { ["RABBITMQ_PASSWORD"] = null });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("RABBITMQ_PASSWORD", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_can_be_scaled_it_has_no_container_name_and_no_host_port()
    {
        var delivery = Yaml.Map(Yaml.Map(await ComposeFile.ResolveAsync("docker-compose.yml"), "services"), "delivery");
        Assert.Null(Yaml.Scalar(delivery, "container_name"));
        Assert.Empty(Yaml.List(delivery, "ports"));
        Assert.DoesNotContain(Yaml.Map(await ComposeFile.ResolveAsync("docker-compose.yml"), "services").Values,
            s => Yaml.Scalar(s, "container_name") is not null);
    }

    [Fact]
    public async Task Webmail_runs_two_replicas_behind_the_edge_on_80_and_443()
    {
        var services = Yaml.Map(await ComposeFile.ResolveAsync("docker-compose.yml"), "services");
        Assert.Equal("2", Yaml.Scalar(Yaml.Map(services["webmail"], "deploy"), "replicas"));
        Assert.Empty(Yaml.List(services["webmail"], "ports"));
        Assert.Equal([80, 443], ComposeFile.Services(new() { ["services"] = services }).Single(s => s.Name == "edge").ListenerPorts.Order());
    }

    [Fact]
    public async Task Every_facteur_service_is_locked_down_waits_for_a_healthy_broker_and_exports_otlp()
    {
        var compose = await ComposeFile.ResolveAsync("docker-compose.yml");
        var services = Yaml.Map(compose, "services");
        var healthcheck = Yaml.List(Yaml.Map(services["rabbitmq"], "healthcheck"), "test");
        Assert.NotEmpty(healthcheck);
        Assert.Contains("rabbitmq:/var/lib/rabbitmq", Yaml.List(services["rabbitmq"], "volumes").Select(v => v is string s ? s.Replace(":rw", "", StringComparison.Ordinal) : $"{Yaml.Scalar(v, "source")}:{Yaml.Scalar(v, "target")}"));
        Assert.Contains("mail", Yaml.Map(compose, "volumes").Keys);
        Assert.Contains("spool", Yaml.Map(compose, "volumes").Keys);

        foreach (var name in ServiceSettings.Own.Keys)
        {
            var service = services[name];
            Assert.True(Yaml.Scalar(service, "read_only") == "true", $"{name}: read_only");
            Assert.Equal(["ALL"], Yaml.List(service, "cap_drop"));
            var upstream = name switch { "webmail" => "mailbox-api", "edge" => "webmail", _ => "rabbitmq" };
            Assert.Equal("service_healthy", Yaml.Scalar(Yaml.Map(Yaml.Map(service, "depends_on"), upstream), "condition"));
            var environment = Yaml.Map(service, "environment");
            Assert.Equal("http://otel-ui:18889", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(name, environment["OTEL_SERVICE_NAME"]);
        }
    }
}
