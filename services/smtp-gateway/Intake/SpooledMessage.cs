using Facteur.Hosting.Bus;

namespace Facteur.SmtpGateway.Intake;

/// <summary>A message streaming into <c>{SpoolRoot}/incoming/&lt;queueid&gt;.eml</c>. Disposed uncommitted, the file is removed.</summary>
internal sealed class SpooledMessage(string queueId, string path, FileStream file) : ISpooledMessage
{
    public string QueueId { get; } = queueId;

    public string Path { get; } = path;

    public Stream Content => file;

    /// <summary>Set once the intake owns the file's fate (moved to the claim check, kept as a spool entry or deleted).</summary>
    public bool Committed { get; set; }

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
