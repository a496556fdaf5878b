namespace Facteur.MailStore.Index;

/// <summary>One message line of <c>facteur-index</c>, mutable while the folder's lock is held.</summary>
internal sealed class IndexEntry
{
    public required uint Uid { get; init; }

    public required string Key { get; init; }

    public required string FileName { get; set; }

    public required bool IsNew { get; set; }

    public required ulong ModSeq { get; set; }

    /// <summary>RFC822.SIZE, or -1 while not read yet (<see cref="MessageFileFacts"/>).</summary>
    public required long Size { get; set; }

    /// <summary>File mtime, Unix milliseconds, or <see cref="MessageFileFacts.UnknownDateMs"/> while not read yet.</summary>
    public required long InternalDateMs { get; set; }

    /// <summary>Reads the size and date on first use while this entry lacks them; shared by the entry's records.</summary>
    public MessageFileFacts? Facts { get; set; }

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
