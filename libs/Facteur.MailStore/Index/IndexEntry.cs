namespace Facteur.MailStore.Index;

/// <summary>One message line of <c>facteur-index</c>, mutable while the folder's lock is held.</summary>
internal sealed class IndexEntry
{
    public required uint Uid { get; init; }

    public required string Key { get; init; }

    public required string FileName { get; set; }

    public required bool IsNew { get; set; }

    public required ulong ModSeq { get; set; }

    public required long Size { get; init; }

    /// <summary>File mtime, Unix milliseconds.</summary>
    public required long InternalDateMs { get; init; }

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
