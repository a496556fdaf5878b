namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>The build output of the services the tests start as processes (referencing them builds them).</summary>
internal static class Binaries
{
    public static string Root { get; } = FindRoot();

    // The test assembly lives in tests/Facteur.Webmail.Tests/bin/<Configuration>/net10.0/.
    private static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string Standalone => Output("services/standalone", "Facteur.Standalone.dll");

    public static string MailboxApi => Output("services/mailbox-api", "Facteur.MailboxApi.dll");

    public static string Webmail => Output("services/webmail", "Facteur.Webmail.dll");

    public static string Edge => Output("services/webmail/edge", "Facteur.Edge.dll");

    public static string Screenshots
    {
        get
        {
            var path = Path.Combine(Root, "tests", "Facteur.Webmail.Tests", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }

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
