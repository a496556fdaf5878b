using System.Buffers;
using System.IO.Pipelines;

namespace Facteur.MailboxApi.Pop3.Framing;

/// <summary>
/// Frames the client's input into lines with a hard length limit: a line longer than the limit
/// is consumed to its LF without being buffered (so a 1 MB line costs no memory) and reported
/// as <see cref="Pop3LineStatus.TooLong"/>. Accepts CRLF and bare LF.
/// </summary>
internal sealed class Pop3LineReader(PipeReader reader)
{
    public PipeReader Reader { get; } = reader;

    public async ValueTask<Pop3Line> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var discarding = false;
        while (true)
        {
            var result = await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryFrame(ref buffer, maxLength, ref discarding, out var line))
            {
                Reader.AdvanceTo(buffer.Start);
                return line;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                Reader.AdvanceTo(buffer.End);
                return Pop3Line.Closed;
            }

            // Nothing framed: either keep waiting (consumed nothing, examined all) or, while
            // discarding an overlong line, drop what was read.
            Reader.AdvanceTo(discarding ? buffer.End : buffer.Start, buffer.End);
        }
    }

    /// <summary>True when the client sent more bytes after the last line (used to refuse pipelining after STLS).</summary>
    public bool HasBufferedInput()
    {
        if (!Reader.TryRead(out var result))
        {
            return false;
        }

        var any = !result.Buffer.IsEmpty;
        Reader.AdvanceTo(result.Buffer.Start);
        return any;
    }

    internal static bool TryFrame(ref ReadOnlySequence<byte> buffer, int maxLength, ref bool discarding, out Pop3Line line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> content, (byte)'\n', advancePastDelimiter: true))
        {
            buffer = buffer.Slice(reader.Position);
            if (discarding || content.Length + 1 > maxLength)
            {
                discarding = false;
                line = Pop3Line.TooLong;
                return true;
            }

            if (!content.IsEmpty && content.Slice(content.Length - 1).FirstSpan[0] == (byte)'\r')
            {
                content = content.Slice(0, content.Length - 1);
            }

            line = new Pop3Line(Pop3LineStatus.Line, content.ToArray());
            return true;
        }

        if (buffer.Length > maxLength)
        {
            discarding = true;
        }

        line = default;
        return false;
    }
}
