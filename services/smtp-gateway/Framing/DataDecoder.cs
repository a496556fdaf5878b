using System.Buffers;

namespace Facteur.SmtpGateway.Framing;

/// <summary>
/// Turns the octets after DATA's 354 into message content (RFC 5321 §4.5.2 transparency), one
/// buffer at a time: it keeps its state between calls, so a terminator or a stuffed dot split over
/// two reads is handled, and it never holds more than the buffer it is given.
///
/// <para><b>End of data</b> is only CR LF "." CR LF (§4.1.1.4), the CRLF before the dot being the
/// end of the last line (or the end of the DATA command itself for an empty message).</para>
///
/// <para><b>Bare CR and bare LF</b> (§2.3.8 forbids them) are treated as line ends and written as
/// CRLF, so what reaches the spool has one line-ending convention and downstream code (delivery,
/// relay, IMAP) never has to guess.</para>
///
/// <para><b>SMTP smuggling</b> (CVE-2023-51764/51765/51766) hides a second message behind an
/// end-of-data look-alike that one server honours and another does not: LF "." LF, CR LF "." LF,
/// LF "." CR LF, CR "." CR and so on. Two defences: (1) we end the data only on the strict
/// sequence, so we never split a message that a strict upstream considered one; (2) a line that
/// is a lone "." with a bare CR or LF before or after it marks the message as
/// <see cref="SmugglingAttempt"/>: the session reads on to the real end, discards it and answers
/// 550 5.5.2. No legitimate client produces that shape, and refusing it means no lenient hop after
/// us (our relay, a downstream MTA) can ever be handed the look-alike to split on. Ordinary bare
/// line ends elsewhere are accepted, as Postfix's "normalize" mode does, because old clients still
/// send them.</para>
///
/// <para>Size is counted on the decoded octets; past <see cref="TooLarge"/> nothing more is written
/// but parsing goes on to the end so the session can answer 552 in step with the client.</para>
/// </summary>
internal sealed class DataDecoder(long maxSize, int maxLineLength)
{
    private enum State
    {
        LineStart,
        Text,
        Cr,
        Dot,
        DotCr,
    }

    private State state = State.LineStart;

    /// <summary>How the current line began: true when the previous line ended with a bare CR or LF.</summary>
    private bool lineAfterBareEnding;

    private int lineLength;

    public long Size { get; private set; }

    public bool TooLarge { get; private set; }

    public bool LineTooLong { get; private set; }

    public bool SmugglingAttempt { get; private set; }

    public bool BareLineEndings { get; private set; }

    /// <summary>Decodes <paramref name="input"/> into <paramref name="output"/>.</summary>
    /// <param name="consumed">Everything when more data is needed; just past the final CRLF when done.</param>
    /// <returns>True when the end-of-data sequence was seen.</returns>
    public bool Decode(in ReadOnlySequence<byte> input, IBufferWriter<byte> output, out SequencePosition consumed)
    {
        long offset = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var i = 0;
            while (i < span.Length)
            {
                if (state == State.Text)
                {
                    // Fast path: copy up to the next CR or LF in one go.
                    var rest = span[i..];
                    var stop = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    var run = stop < 0 ? rest : rest[..stop];
                    lineLength += run.Length;
                    CheckLineLength();
                    Emit(output, run);
                    i += run.Length;
                    if (stop < 0)
                    {
                        break;
                    }
                }

                var b = span[i++];
                if (Step(b, output))
                {
                    consumed = input.GetPosition(offset + i);
                    return true;
                }
            }

            offset += span.Length;
        }

        consumed = input.End;
        return false;
    }

    /// <returns>True at the end of data.</returns>
    private bool Step(byte b, IBufferWriter<byte> output)
    {
        switch (state)
        {
            case State.LineStart:
                if (b == (byte)'.')
                {
                    state = State.Dot;
                    return false;
                }

                return Text(b, output);

            case State.Text:
                return Text(b, output);

            case State.Cr:
                if (b == (byte)'\n')
                {
                    EndLine(output, bare: false);
                    return false;
                }

                // Bare CR: a line end of its own, then b starts the next line.
                EndLine(output, bare: true);
                return Step(b, output);

            case State.Dot:
                switch (b)
                {
                    case (byte)'\r':
                        state = State.DotCr;
                        return false;
                    case (byte)'\n':
                        // "." LF: a lone dot ended by a bare LF.
                        SmugglingAttempt = true;
                        EndLine(output, bare: true);
                        return false;
                    default:
                        // §4.5.2: the first of the line's dots is removed; b is ordinary text.
                        state = State.Text;
                        return Text(b, output);
                }

            case State.DotCr:
                if (b == (byte)'\n')
                {
                    if (!lineAfterBareEnding)
                    {
                        return true;
                    }

                    // LF "." CR LF or CR "." CR LF: a terminator only to a lenient peer.
                    SmugglingAttempt = true;
                    EndLine(output, bare: false);
                    return false;
                }

                // "." CR followed by anything else: a lone dot ended by a bare CR.
                SmugglingAttempt = true;
                EndLine(output, bare: true);
                return Step(b, output);

            default:
                throw new InvalidOperationException();
        }
    }

    private bool Text(byte b, IBufferWriter<byte> output)
    {
        switch (b)
        {
            case (byte)'\r':
                state = State.Cr;
                break;
            case (byte)'\n':
                EndLine(output, bare: true);
                break;
            default:
                state = State.Text;
                lineLength++;
                CheckLineLength();
                Emit(output, [b]);
                break;
        }

        return false;
    }

    private void EndLine(IBufferWriter<byte> output, bool bare)
    {
        Emit(output, "\r\n"u8);
        BareLineEndings |= bare;
        lineAfterBareEnding = bare;
        lineLength = 0;
        state = State.LineStart;
    }

    private void CheckLineLength()
    {
        // The limit counts the CRLF (RFC 5321 §4.5.3.1.6).
        if (lineLength + 2 > maxLineLength)
        {
            LineTooLong = true;
        }
    }

    private void Emit(IBufferWriter<byte> output, ReadOnlySpan<byte> octets)
    {
        if (octets.IsEmpty)
        {
            return;
        }

        Size += octets.Length;
        if (Size > maxSize)
        {
            TooLarge = true;
        }

        if (TooLarge || LineTooLong || SmugglingAttempt)
        {
            return; // the message will be refused: stop spending memory or disk on it
        }

        output.Write(octets);
    }
}
