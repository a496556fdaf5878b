namespace Facteur.Bench.SmtpIngest;

/// <summary>Where the bench runs from: bench/smtp-ingest/bin/{Configuration}/{Framework}/ inside the checkout.</summary>
internal static class RepositoryLayout
{
    private static readonly DirectoryInfo Output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    public static string Framework { get; } = Output.Name;

    public static string Configuration { get; } = Output.Parent?.Name ?? "Release";

    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = Output; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Facteur.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new BenchException("cannot find Facteur.slnx above " + Output.FullName);
    }
}
