namespace Facteur.MailStore.Folders;

/// <summary>
/// One line of <c>dovecot-uidlist</c>: <c>&lt;uid&gt; [&lt;ext&gt;…] :&lt;key&gt;</c>. Extensions are a
/// letter and a value (Dovecot: <c>W</c> virtual size, <c>S</c> physical size, <c>G</c> GUID,
/// <c>P</c> POP3 UIDL, <c>O</c> POP3 order); unknown ones are kept as read so a rewrite loses nothing.
/// </summary>
public sealed record UidListRecord(uint Uid, string Key, IReadOnlyList<string> Extensions)
{
    /// <summary>The value of extension <paramref name="letter"/>, or null.</summary>
    public string? Extension(char letter)
    {
        foreach (var ext in Extensions)
        {
            if (ext.Length > 0 && ext[0] == letter)
            {
                return ext[1..];
            }
        }

        return null;
    }
}
