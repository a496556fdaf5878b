using Facteur.Hosting;

namespace Facteur.Standalone;

/// <summary>
/// Creates the ./data/... folders on first start. Relative paths in the configuration are relative
/// to the working folder, so `dotnet run` from a checkout keeps everything in ./data.
/// </summary>
internal static class DataFolders
{
    public static void Create(IConfiguration configuration)
    {
        var section = configuration.GetSection(FacteurOptions.SectionName);
        foreach (var key in new[] { nameof(FacteurOptions.MailRoot), nameof(FacteurOptions.SpoolRoot) })
        {
            if (section[key] is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }

        foreach (var key in new[] { nameof(FacteurOptions.AccountsFile), nameof(FacteurOptions.AliasesFile) })
        {
            if (section[key] is { Length: > 0 } file && Path.GetDirectoryName(Path.GetFullPath(file)) is { } parent)
            {
                Directory.CreateDirectory(parent);
            }
        }
    }
}
