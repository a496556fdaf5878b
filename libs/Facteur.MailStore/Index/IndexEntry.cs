using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>One message line of <c>facteur-index</c>, mutable while the folder's lock is held.</summary>
internal sealed class IndexEntry
{
    public required uint Uid { get; init; }

    private string? _key;

    /// <summary>
    /// The Maildir key. An entry read from <c>facteur-index</c> cuts it from <see cref="FileName"/> on first use: a
    /// restart's SELECT of 100,000 messages reads as many names and needs none of their keys (11 MB less to allocate).
    /// A rename keeps the key, so a name taken later gives the same one.
    /// </summary>
    public string Key
    {
        get => _key ??= MaildirEntryName.KeyOf(FileName);
        init => _key = value;
    }

    /// <summary>
    /// The key if it was given or cut already, else null (the entry's records then take it from the entry when asked).
    /// Given null, the key is cut from <see cref="FileName"/> when first asked, as for an entry read from the index.
    /// </summary>
    public string? KnownKey
    {
        get => _key;
        init => _key = value;
    }

    public required string FileName { get; set; }

    public required bool IsNew { get; set; }

    public required ulong ModSeq { get; set; }

    /// <summary>RFC822.SIZE, or -1 while not read yet (<see cref="MessageFileFacts"/>).</summary>
    public required long Size { get; set; }

    /// <summary>File mtime, Unix milliseconds, or <see cref="MessageFileFacts.UnknownDateMs"/> while not read yet.</summary>
    public required long InternalDateMs { get; set; }

    private MessageFileFacts? _facts;

    /// <summary>Reads the size and date on first use while this entry lacks them; shared by the entry's records. Null until one asks (<see cref="FactsFor"/>).</summary>
    public MessageFileFacts? Facts => Volatile.Read(ref _facts);

    /// <summary>The entry's facts, made on first use (by any thread: one object wins) and given what the entry knows already.</summary>
    public MessageFileFacts FactsFor(MailFolder folder)
    {
        if (Facts is { } known)
        {
            return known;
        }

        var made = new MessageFileFacts(folder, this);
        made.Seed(Size, InternalDateMs);
        return Interlocked.CompareExchange(ref _facts, made, null) ?? made;
    }

    /// <summary>Offset of the summary in <c>facteur-cache</c>, or -1.</summary>
    public long CacheOffset { get; set; } = -1;

    public int CacheLength { get; set; }

    /// <summary>Offset of the rendered FETCH items (<see cref="RenderedFetchItems"/>) in <c>facteur-cache</c>, or -1.</summary>
    public long FetchOffset { get; set; } = -1;

    public int FetchLength { get; set; }

    /// <summary>The record built from this entry, reset whenever the entry changes.</summary>
    public MessageRecord? Record { get; set; }

    public string SubDirectory => IsNew ? "new" : "cur";
}
