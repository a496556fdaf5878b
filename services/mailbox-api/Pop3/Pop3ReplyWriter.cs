using System.IO.Pipelines;
using System.Text;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Every byte the server sends goes through here: status lines (<c>+OK</c>/<c>-ERR</c> with an
/// optional RFC 2449 §8 response code), multi-line responses with the terminating ".", and message
/// content streamed from disk with CRLF line ends and dot-stuffing (RFC 1939 §3).
/// </summary>
internal sealed class Pop3ReplyWriter(PipeWriter writer)
{
    public PipeWriter Writer { get; set; } = writer;

    public ValueTask<FlushResult> OkAsync(string text, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + text);
        return Writer.FlushAsync(cancellationToken);
    }

    /// <param name="code">An RFC 2449/3206 response code such as IN-USE, AUTH, SYS/TEMP; null for none.</param>
    public ValueTask<FlushResult> ErrAsync(string? code, string text, CancellationToken cancellationToken)
    {
        WriteLine(code is null ? "-ERR " + text : $"-ERR [{code}] {text}");
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>A SASL continuation (RFC 5034 §4): "+ " and base64 data.</summary>
    public ValueTask<FlushResult> ContinueAsync(string base64, CancellationToken cancellationToken)
    {
        WriteLine("+ " + base64);
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>"+OK text", then each line dot-stuffed, then ".".</summary>
    public ValueTask<FlushResult> MultiLineAsync(string status, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        WriteLine("+OK " + status);
        foreach (var line in lines)
        {
            WriteLine(line.StartsWith('.') ? "." + line : line);
        }

        WriteLine(".");
        return Writer.FlushAsync(cancellationToken);
    }

    /// <summary>Writes "+OK text" without flushing: the message content follows.</summary>
    public void BeginMultiLine(string status) => WriteLine("+OK " + status);

    public ValueTask<FlushResult> EndMultiLineAsync(CancellationToken cancellationToken)
    {
        WriteLine(".");
        return Writer.FlushAsync(cancellationToken);
    }

    private void WriteLine(string line)
    {
        var count = Encoding.UTF8.GetByteCount(line);
        var span = Writer.GetSpan(count + 2);
        Encoding.UTF8.GetBytes(line, span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        Writer.Advance(count + 2);
    }
}
