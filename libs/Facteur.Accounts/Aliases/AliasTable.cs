using Facteur.Accounts.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts.Aliases;

/// <summary>The virtual(5) table of <c>Facteur:AliasesFile</c>, re-read when it changes.</summary>
internal sealed class AliasTable
{
    private readonly ReloadingFile<VirtualAliasFile> _file;

    public AliasTable(IOptions<AccountsOptions> options, TimeProvider time, ILogger<AliasTable> logger)
    {
        _file = new ReloadingFile<VirtualAliasFile>(
            options.Value.AliasesFile,
            "Aliases",
            lines =>
            {
                var parsed = VirtualAliasFile.Parse(lines);
                return (parsed, parsed.Entries.Count, parsed.Problems);
            },
            VirtualAliasFile.Empty,
            time,
            logger);
    }

    public VirtualAliasFile Current => _file.Current;
}
