namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>
/// deploy/validate/validate.mjs, with its npm packages installed once (`npm ci` from the
/// committed package-lock.json) when node_modules is missing.
/// </summary>
public sealed class ManifestValidator : IAsyncLifetime
{
    private static readonly string Folder = Repository.Path("deploy", "validate");

    public async Task InitializeAsync()
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "kubernetes-models"))
            && Directory.Exists(Path.Combine(Folder, "node_modules", "@kubernetes", "client-node")))
        {
            return;
        }

        var install = await Tool.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Folder, timeout: TimeSpan.FromMinutes(5));
        Assert.True(install.ExitCode == 0, install.Describe("npm ci in deploy/validate"));
    }

    internal async Task<Tool.Result> ValidateAsync(string yaml)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, yaml);
            return await Tool.RunAsync("node", [Path.Combine(Folder, "validate.mjs"), file], Folder);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
