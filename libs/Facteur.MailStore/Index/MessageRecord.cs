using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// One message of a folder as the index knows it, without opening its file.
/// </summary>
/// <param name="Uid">The IMAP UID, from <c>dovecot-uidlist</c>.</param>
/// <param name="Key">The Maildir base name (before <c>:2,</c>), stable across flag changes; null to cut it from <paramref name="FileName"/> when first asked.</param>
/// <param name="FileName">The current file name (key + info), as last seen.</param>
/// <param name="IsNew">True while the file is still in <c>new/</c>.</param>
/// <param name="Flags">System flags.</param>
/// <param name="Keywords">Keywords, as registered in <c>dovecot-keywords</c>.</param>
/// <param name="ModSeq">RFC 7162 mod-sequence of the last change to this message (append or flag change).</param>
/// <param name="Size">RFC822.SIZE: the message's octets with every line ending counted as CRLF.</param>
/// <param name="InternalDate">The internal date: the file's modification time, as Dovecot uses it.</param>
public sealed record MessageRecord(
    uint Uid,
    string Key,
    string FileName,
    bool IsNew,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    ulong ModSeq,
    long Size,
    DateTimeOffset InternalDate)
{
    private string? _key = Key;
    private readonly long _size = Size;

    /// <summary>The Maildir base name (before <c>:2,</c>), stable across flag changes.</summary>
    public string Key
    {
        // Taken on first use when not given: a restart's SELECT builds a record per message and asks none its key.
        get => _key ??= Entry?.Key ?? MaildirEntryName.KeyOf(FileName);
        init => _key = value;
    }

    private readonly DateTimeOffset _internalDate = InternalDate;

    /// <summary>
    /// The index entry this record was built from, or null for a record made elsewhere. Its key is the record's (one
    /// string for both, cut from the name on first use: see <see cref="IndexEntry.Key"/>), and so are its facts.
    /// </summary>
    internal IndexEntry? Entry { get; init; }

    /// <summary>The folder whose entry this record was built from: the one that reads <see cref="Facts"/> when first asked.</summary>
    internal MailFolder? Folder { get; init; }

    /// <summary>
    /// Where <see cref="Size"/> and <see cref="InternalDate"/> come from while the index does not hold them
    /// (a folder indexed from its file names alone): read from the file on first use, once per message. Made when
    /// first asked, not with the record: a first SELECT of 100,000 built as many facts objects (5.6 MB) that a
    /// client asking for the newest messages alone never used.
    /// </summary>
    internal MessageFileFacts? Facts
    {
        get
        {
            if (Entry is not { } entry)
            {
                return null;
            }

            var lacking = _size < 0 || _internalDate == DateTimeOffset.MinValue;
            return entry.Facts ?? (lacking && Folder is { } folder ? entry.FactsFor(folder) : null);
        }
    }

    /// <summary>RFC822.SIZE: the message's octets with every line ending counted as CRLF.</summary>
    public long Size
    {
        get => _size < 0 && Facts is { } facts ? facts.Size : _size;
        init => _size = value;
    }

    /// <summary>
    /// <see cref="Size"/> when it is known without reading the file (in the index, or counted since), else null.
    /// POP3 takes sizes from here: a size is the key's for good (a Maildir file's content never changes).
    /// </summary>
    public long? KnownSize => _size >= 0 ? _size : Entry?.Facts is { KnownSize: >= 0 and var known } ? known : null; // nothing learned without facts

    /// <summary>The internal date: the file's modification time, as Dovecot uses it.</summary>
    public DateTimeOffset InternalDate
    {
        get => _internalDate == DateTimeOffset.MinValue && Facts is { } facts ? facts.InternalDate : _internalDate;
        init => _internalDate = value;
    }

    /// <summary>The sub-directory the file was in: "new" or "cur".</summary>
    public string SubDirectory => IsNew ? "new" : "cur";

    /// <summary>True when the message carries <paramref name="keyword"/> (case-insensitive, as IMAP keywords compare).</summary>
    public bool HasKeyword(string keyword) => Keywords.Any(k => string.Equals(k, keyword, StringComparison.OrdinalIgnoreCase));
}
