using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Facteur.Hosting.Tests;

/// <summary>
/// appsettings.json is read once: reloading it would put a recursive inotify watch on the working
/// directory, which holds the standalone's mail root.
/// </summary>
public sealed class ConfigurationReloadTests
{
    [Fact]
    public void The_services_builder_reads_appsettings_without_watching_for_changes()
    {
        var builder = FacteurApplication.CreateBuilder([]);

        var json = builder.Configuration.Sources.OfType<JsonConfigurationSource>().ToList();

        Assert.NotEmpty(json);
        Assert.All(json, source => Assert.False(source.ReloadOnChange, source.Path));
    }

    [Fact]
    public void An_administrator_can_still_turn_reloading_back_on_from_the_command_line()
    {
        var builder = FacteurApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=true"]);

        var json = builder.Configuration.Sources.OfType<JsonConfigurationSource>().ToList();

        Assert.NotEmpty(json);
        Assert.All(json, source => Assert.True(source.ReloadOnChange, source.Path));
    }
}
