namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>Paths of the repository the tests check (found from the test assembly's folder upwards).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Facteur.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Facteur.slnx not found above " + AppContext.BaseDirectory);
    }
}
