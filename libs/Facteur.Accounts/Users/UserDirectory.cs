using Facteur.Accounts.Addresses;
using Facteur.Accounts.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts.Users;

/// <summary>The users of the passwd-file <c>Facteur:AccountsFile</c>, re-read when it changes.</summary>
internal sealed class UserDirectory
{
    private readonly ReloadingFile<PasswdFile> _file;

    public UserDirectory(IOptions<AccountsOptions> options, TimeProvider time, ILogger<UserDirectory> logger)
    {
        _file = new ReloadingFile<PasswdFile>(
            options.Value.AccountsFile,
            "Accounts",
            lines =>
            {
                var parsed = PasswdFile.Parse(lines);
                return (parsed, parsed.Entries.Count, parsed.Problems);
            },
            PasswdFile.Empty,
            time,
            logger);
    }

    public PasswdFile Current => _file.Current;

    public PasswdEntry? Find(MailAddress address) => _file.Current.Find(address.Key);
}
