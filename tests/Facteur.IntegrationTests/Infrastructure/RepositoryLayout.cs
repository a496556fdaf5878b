namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>Finds the build output of the services so the tests can start them as real processes.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    // The test assembly lives in tests/Facteur.IntegrationTests/bin/<Configuration>/net10.0/.
    private static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string StandaloneDll => Output("services/standalone", "Facteur.Standalone.dll");

    public static string GatewayDll => Output("services/smtp-gateway", "Facteur.SmtpGateway.dll");

    public static string DeliveryDll => Output("services/delivery", "Facteur.Delivery.dll");

    public static string CliDll => Output("tools/facteur", "facteur.dll");

    private static string Output(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build output missing: {path}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Facteur.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Facteur.slnx not found above " + AppContext.BaseDirectory);
    }
}
