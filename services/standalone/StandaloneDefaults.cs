using Facteur.Hosting;
using Microsoft.Extensions.Configuration.Json;

namespace Facteur.Standalone;

/// <summary>What makes the all-in-one host run from a source checkout with no setup.</summary>
internal static class StandaloneDefaults
{
    public static WebApplicationBuilder AddStandaloneDefaults(this WebApplicationBuilder builder)
    {
        // `dotnet run --project services/standalone` keeps the caller's working folder as the
        // content root, where there is no appsettings.json. The copy beside the binary becomes the
        // lowest-priority source: a local appsettings.json, Facteur__* variables and arguments override it.
        var beside = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var local = Path.Combine(builder.Environment.ContentRootPath, "appsettings.json");
        if (File.Exists(beside) && !string.Equals(Path.GetFullPath(beside), Path.GetFullPath(local), StringComparison.Ordinal))
        {
            var source = new JsonConfigurationSource { Path = beside, Optional = true, ReloadOnChange = false };
            source.ResolveFileProvider(); // an absolute path needs its own folder as file provider
            ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, source);
        }

        DataFolders.Create(builder.Configuration);
        builder.Services.AddHostedService<FirstRunHint>();
        return builder;
    }
}
