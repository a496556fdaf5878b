using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Facteur.MailboxApi.Imap;

/// <summary>
/// Every byte the server sends goes through here: untagged data, continuation requests, tagged
/// completions. Output is buffered until a flush; a flush that cannot complete within the output
/// timeout (a client that never reads fills the transport's bounded buffer) drops the connection.
/// </summary>
internal sealed class ImapReplyWriter(PipeWriter writer, TimeSpan outputTimeout)
{
    public PipeWriter Writer { get; set; } = writer;

    public void Untagged(string text) => WriteLine("* " + text);

    public void WriteLine(string line)
    {
        Write(line);
        Write("\r\n"u8);
    }

    public void Write(string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        var span = Writer.GetSpan(count);
        Encoding.UTF8.GetBytes(text, span);
        Writer.Advance(count);
    }

    public void Write(ReadOnlySpan<byte> bytes) => Writer.Write(bytes);

    public async ValueTask TaggedAsync(string tag, string status, string text, CancellationToken cancellationToken)
    {
        WriteLine($"{tag} {status} {text}");
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ContinueAsync(string text, CancellationToken cancellationToken)
    {
        WriteLine("+ " + text);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(outputTimeout);
        try
        {
            await Writer.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClientGoneException();
        }
    }
}
