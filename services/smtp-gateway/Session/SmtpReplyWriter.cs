using System.IO.Pipelines;
using System.Text;

namespace Facteur.SmtpGateway.Session;

/// <summary>
/// Formats replies onto the output pipe. Writes are buffered and sent by <see cref="FlushAsync"/>,
/// which the session calls only before it has to wait for input: that is how replies to a
/// pipelined batch go out together (RFC 2920 §3.1).
/// </summary>
internal sealed class SmtpReplyWriter(PipeWriter output)
{
    private PipeWriter output = output;
    private bool pending;

    public SmtpReply? Last { get; private set; }

    public void Write(SmtpReply reply)
    {
        Last = reply;
        WriteLine(reply.ToString());
    }

    /// <summary>A multi-line reply (RFC 5321 §4.2.1): "250-first", …, "250 last".</summary>
    public void WriteLines(int code, IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            WriteLine($"{code}{(i == lines.Count - 1 ? ' ' : '-')}{lines[i]}");
        }

        Last = new SmtpReply(code, null, lines[^1]);
    }

    /// <summary>A 334 continuation for a SASL challenge (already base64 or empty).</summary>
    public void WriteChallenge(string base64) => WriteLine(base64.Length == 0 ? "334 " : "334 " + base64);

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!pending)
        {
            return;
        }

        pending = false;
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>After STARTTLS the replies go through the TLS stream.</summary>
    public void Replace(PipeWriter writer) => output = writer;

    private void WriteLine(string line)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
        var n = Encoding.UTF8.GetBytes(line, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
        pending = true;
    }
}
