using System.Buffers;

namespace Facteur.SmtpGateway.Parsing;

/// <summary>
/// Command arguments are short (bounded by the command line limit), so the parsers look at them
/// as one span; this takes it from the reader without copying in the usual single-segment case.
/// </summary>
internal static class SpanSource
{
    public static ReadOnlySpan<byte> Unread(ref SequenceReader<byte> reader)
        => reader.UnreadSequence.IsSingleSegment ? reader.UnreadSpan : reader.UnreadSequence.ToArray();
}
