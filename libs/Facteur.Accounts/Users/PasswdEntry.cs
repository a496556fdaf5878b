namespace Facteur.Accounts.Users;

/// <summary>
/// One line of a Dovecot passwd-file: <c>user:password:uid:gid:gecos:home:shell:extra_fields</c>
/// (fields after the password are optional).
/// </summary>
/// <param name="UserName">The user exactly as written: the canonical name the mailbox path is built from.</param>
/// <param name="Key">Lookup key (see <see cref="Addresses.MailAddress.Key"/>).</param>
/// <param name="Password"><c>{SCHEME}hash</c>, or a bare crypt(3) string.</param>
/// <param name="LineNumber">1-based line in the file.</param>
internal sealed record PasswdEntry(string UserName, string Key, string Password, int LineNumber);
