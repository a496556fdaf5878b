namespace Facteur.MailboxApi.Pop3.Framing;

internal enum Pop3LineStatus
{
    /// <summary>A complete line (without its CRLF or LF).</summary>
    Line,

    /// <summary>A line longer than the limit; it was read to its end and discarded.</summary>
    TooLong,

    /// <summary>The client closed the connection.</summary>
    Closed,
}

/// <summary>One framed input line. <see cref="Bytes"/> is a copy bounded by the line limit.</summary>
internal readonly record struct Pop3Line(Pop3LineStatus Status, byte[] Bytes)
{
    public static Pop3Line Closed { get; } = new(Pop3LineStatus.Closed, []);

    public static Pop3Line TooLong { get; } = new(Pop3LineStatus.TooLong, []);
}
