namespace Facteur.MailStore.Folders;

/// <summary>
/// One line of <c>dovecot-uidlist</c>: <c>&lt;uid&gt; [&lt;ext&gt;…] :&lt;key&gt;</c>. Extensions are a
/// letter and a value (Dovecot: <c>W</c> virtual size, <c>S</c> physical size, <c>G</c> GUID,
/// <c>P</c> POP3 UIDL, <c>O</c> POP3 order); unknown ones are kept as read so a rewrite loses nothing.
/// </summary>
public sealed record UidListRecord(uint Uid, string Key, IReadOnlyList<string> Extensions)
{
    private string? _key = Key;

    /// <summary>The name the key is the start of, for a record whose key is not cut yet (<see cref="OfName"/>).</summary>
    private readonly string? _name;

    private readonly int _keyLength;

    private UidListRecord(uint uid, string name, int keyLength)
        : this(uid, null!, [])
    {
        _name = name;
        _keyLength = keyLength;
    }

    /// <summary>
    /// The record of a file new to the list whose key is the first <paramref name="keyLength"/> characters of its
    /// name, cut when first asked: a first sync of 100,000 files writes their keys into the list and indexes them
    /// from their names, and needs none as a string of its own (≈ 12 MB at 100,000).
    /// </summary>
    internal static UidListRecord OfName(uint uid, string name, int keyLength) => new(uid, name, keyLength);

    /// <summary>The Maildir key (the file name before <c>:2,</c>).</summary>
    public string Key
    {
        get => _key ??= MaildirEntryName.KeyOf(_name!, _keyLength);
        init => _key = value;
    }

    /// <summary>The key, without cutting a string for it.</summary>
    internal ReadOnlySpan<char> KeySpan => _key ?? _name.AsSpan(0, _keyLength);

    /// <summary>The key if it is a string already, else null (it is then cut from the name when asked).</summary>
    internal string? KnownKey => _key;

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

    /// <summary>Equal UID, key and extensions (the same list): a record whose key is not cut yet equals one made with that key.</summary>
    public bool Equals(UidListRecord? other) =>
        other is not null && Uid == other.Uid && KeySpan.SequenceEqual(other.KeySpan) && Equals(Extensions, other.Extensions);

    public override int GetHashCode() => HashCode.Combine(Uid, string.GetHashCode(KeySpan, StringComparison.Ordinal));
}
