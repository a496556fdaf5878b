using System.IO.Compression;
using System.IO.Pipelines;

namespace Facteur.MailboxApi.Imap.Framing;

/// <summary>
/// COMPRESS=DEFLATE (RFC 4978): raw deflate (RFC 1951, no zlib header) both ways, layered over
/// whatever the session reads from and writes to at that moment — the plain transport, or the
/// TLS stream after STARTTLS or on the implicit-TLS port. Reading goes through the old reader, so
/// nothing it already buffered is lost. Every flush of <see cref="Writer"/> ends in a sync flush
/// (<see cref="DeflateStream.FlushAsync(CancellationToken)"/> is Z_SYNC_FLUSH), so each response
/// reaches the client whole, as §4 requires.
/// </summary>
internal sealed class DeflateLayer : IAsyncDisposable
{
    private readonly DeflateStream _inflater;
    private readonly DeflateStream _deflater;

    public DeflateLayer(PipeReader input, PipeWriter output)
    {
        _inflater = new DeflateStream(input.AsStream(leaveOpen: true), CompressionMode.Decompress, leaveOpen: false);
        // Fastest: IMAP responses are small and frequent; the ratio gained above level 1 is not worth the CPU (RFC 4978 §5).
        _deflater = new DeflateStream(output.AsStream(leaveOpen: true), CompressionLevel.Fastest, leaveOpen: false);
        Reader = PipeReader.Create(_inflater, new StreamPipeReaderOptions(leaveOpen: true));
        Writer = PipeWriter.Create(_deflater, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>Decompressed client input.</summary>
    public PipeReader Reader { get; }

    /// <summary>Server output, compressed and sync-flushed on every flush.</summary>
    public PipeWriter Writer { get; }

    /// <summary>Frees zlib's native state; the connection may already be gone, so failures to write the final block are ignored.</summary>
    public async ValueTask DisposeAsync()
    {
        await _inflater.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _deflater.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
