namespace Facteur.Cli.Migration;

/// <summary>A user of the old server: <c>/etc/passwd</c> fields and the <c>/etc/shadow</c> hash (null when unreadable or absent).</summary>
internal sealed record HostUser(string Name, int Uid, string Home, string? Hash)
{
    /// <summary>
    /// A hash one can log in with: not empty, not locked ('!' or '*' first — passwd -l, useradd without a
    /// password, system accounts), and in crypt(3)'s <c>$id$</c> form or a 13-character DES string.
    /// </summary>
    public bool HasRealPassword =>
        Hash is { Length: > 0 } hash && hash[0] is not ('!' or '*') && (hash[0] == '$' || hash.Length == 13);
}
