using Facteur.Hosting.Bus;

namespace Facteur.SmtpGateway.Intake;

/// <summary>A message streaming into <c>{SpoolRoot}/incoming/&lt;queueid&gt;.eml</c>. Disposed uncommitted, the file is removed.</summary>
internal sealed class SpooledMessage(string queueId, string path, FileStream file) : ISpooledMessage
{
    public string QueueId { get; } = queueId;

    public string Path { get; } = path;

    public Stream Content => file;

    /// <summary>
    /// Header fields decided after the last octet (inbound Authentication-Results) that go in
    /// front of the spooled content. The intake joins them when it publishes, so the file is
    /// written and fsynced once instead of being copied behind a new first line.
    /// </summary>
    public byte[]? HeaderPrefix { get; set; }

    /// <summary>Set once the intake owns the file's fate (moved to the claim check, kept as a spool entry or deleted).</summary>
    public bool Committed { get; set; }

    /// <summary>Octets written so far.</summary>
    public long Length => file.Length;

    /// <summary>Flushes, fsyncs when asked, and closes the file; returns its size.</summary>
    public long Close(bool fsync)
    {
        file.Flush(flushToDisk: fsync);
        var size = file.Length;
        file.Dispose();
        return size;
    }

    public async ValueTask DisposeAsync()
    {
        await file.DisposeAsync().ConfigureAwait(false);
        if (!Committed)
        {
            File.Delete(Path);
        }
    }
}
