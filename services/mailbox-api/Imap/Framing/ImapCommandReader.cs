using System.Buffers;
using System.IO.Pipelines;

namespace Facteur.MailboxApi.Imap.Framing;

/// <summary>
/// Frames client input into whole IMAP commands: a line, and when it ends with a literal
/// announcement <c>{n}</c> (synchronizing, RFC 3501 §4.3) or <c>{n+}</c> (LITERAL+, RFC 7888) the
/// n octets and the rest of the command after them, repeatedly. Lines are limited, literals are
/// limited, and an overlong line is skipped to its LF without being buffered. A literal above
/// the <see cref="LiteralSpill"/>'s limit goes to a file instead of the command's bytes.
/// </summary>
internal sealed class ImapCommandReader(PipeReader reader)
{
    /// <summary>The files of the command being framed (one command at a time per connection).</summary>
    private List<SpilledLiteral>? _spilled;

    public PipeReader Reader { get; } = reader;

    /// <param name="continueLiteral">Sends "+ ..." before the client sends a synchronizing literal.</param>
    /// <param name="spill">Where literals above its limit go instead of memory; null keeps every literal in memory.</param>
    public async ValueTask<ImapFrame> ReadCommandAsync(int maxLineLength, long maxLiteralSize, Func<CancellationToken, ValueTask> continueLiteral, LiteralSpill? spill, CancellationToken cancellationToken)
    {
        try
        {
            var command = new ArrayBufferWriter<byte>();
            long literalTotal = 0;
            long lineTotal = 0;
            while (true)
            {
                var (status, line) = await ReadLineAsync(maxLineLength, cancellationToken).ConfigureAwait(false);
                if (status != ImapFrameStatus.Command)
                {
                    return new ImapFrame(status, []);
                }

                // The line limit is for the whole command without its literals (RFC 7162 §4): otherwise
                // endless short lines joined by empty literals ("x {0+}" …) would be buffered without end.
                lineTotal += line.Length;
                if (lineTotal > maxLineLength)
                {
                    return new ImapFrame(ImapFrameStatus.LineTooLong, []);
                }

                command.Write(line);
                if (!TryParseLiteral(line, out var size, out var synchronizing))
                {
                    // Whole: the files of its spilled literals go with it, the caller closes them.
                    var spilled = _spilled;
                    _spilled = null;
                    return new ImapFrame(ImapFrameStatus.Command, command.WrittenSpan.ToArray()) { Spilled = spilled };
                }

                literalTotal += size;
                if (size > maxLiteralSize || literalTotal > maxLiteralSize)
                {
                    return new ImapFrame(synchronizing ? ImapFrameStatus.LiteralTooBig : ImapFrameStatus.NonSyncLiteralTooBig, command.WrittenSpan.ToArray());
                }

                if (synchronizing)
                {
                    await continueLiteral(cancellationToken).ConfigureAwait(false);
                }

                var file = spill is not null && size > spill.MemoryLimit ? spill.TryCreate() : null;
                if (file is not null)
                {
                    (_spilled ??= []).Add(new SpilledLiteral(command.WrittenCount, size, file));
                }

                if (!await ReadExactlyAsync(command, file, size, cancellationToken).ConfigureAwait(false))
                {
                    return ImapFrame.Closed;
                }
            }
        }
        finally
        {
            // Not handed over with a command (refused, closed, cancelled, failed): nothing reads these files.
            if (_spilled is { } left)
            {
                _spilled = null;
                await SpilledLiteral.ReleaseAsync(left).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A single line (IDLE's DONE, SASL responses), CRLF stripped.</summary>
    public async ValueTask<(ImapFrameStatus Status, byte[] Line)> ReadBareLineAsync(int maxLineLength, CancellationToken cancellationToken)
    {
        var (status, line) = await ReadLineAsync(maxLineLength, cancellationToken).ConfigureAwait(false);
        if (status != ImapFrameStatus.Command)
        {
            return (status, []);
        }

        var length = line.Length;
        while (length > 0 && line[length - 1] is (byte)'\n' or (byte)'\r')
        {
            length--;
        }

        return (status, line[..length]);
    }

    /// <summary>True when the client already sent more (commands pipelined after STARTTLS must be refused).</summary>
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

    /// <summary>Recognises <c>{n}</c> / <c>{n+}</c> just before the line's CRLF.</summary>
    internal static bool TryParseLiteral(ReadOnlySpan<byte> line, out long size, out bool synchronizing)
    {
        size = 0;
        synchronizing = true;
        var end = line.Length;
        while (end > 0 && line[end - 1] is (byte)'\n' or (byte)'\r')
        {
            end--;
        }

        if (end < 3 || line[end - 1] != (byte)'}')
        {
            return false;
        }

        var close = end - 1;
        var open = line[..close].LastIndexOf((byte)'{');
        if (open < 0)
        {
            return false;
        }

        var digits = line[(open + 1)..close];
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            synchronizing = false;
            digits = digits[..^1];
        }

        if (digits.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            size = (size * 10) + (digit - '0');
        }

        return true;
    }

    private async ValueTask<(ImapFrameStatus, byte[])> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var discarding = false;
        while (true)
        {
            var result = await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var sequence = new SequenceReader<byte>(buffer);
            if (sequence.TryReadTo(out ReadOnlySequence<byte> content, (byte)'\n', advancePastDelimiter: true))
            {
                if (discarding || content.Length + 1 > maxLength)
                {
                    Reader.AdvanceTo(sequence.Position);
                    return (ImapFrameStatus.LineTooLong, []);
                }

                // Keep the line end as sent: literal octets that follow count from after it.
                var bytes = new byte[content.Length + 1];
                content.CopyTo(bytes);
                bytes[^1] = (byte)'\n';
                Reader.AdvanceTo(sequence.Position);
                return (ImapFrameStatus.Command, bytes);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                Reader.AdvanceTo(buffer.End);
                return (ImapFrameStatus.Closed, []);
            }

            if (buffer.Length > maxLength)
            {
                discarding = true;
            }

            Reader.AdvanceTo(discarding ? buffer.End : buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Moves a literal's <paramref name="size"/> octets into the command's bytes, or into
    /// <paramref name="file"/> when it is spilled; false when the client closed first.
    /// </summary>
    private async ValueTask<bool> ReadExactlyAsync(ArrayBufferWriter<byte> command, FileStream? file, long size, CancellationToken cancellationToken)
    {
        while (size > 0)
        {
            var result = await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var slice = result.Buffer.Slice(0, Math.Min(size, result.Buffer.Length));
            foreach (var segment in slice)
            {
                if (file is null)
                {
                    command.Write(segment.Span);
                }
                else
                {
                    await file.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }
            }

            size -= slice.Length;
            Reader.AdvanceTo(slice.End);
            if (size > 0 && (result.IsCompleted || result.IsCanceled))
            {
                return false;
            }
        }

        return true;
    }
}
