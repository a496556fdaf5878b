namespace Facteur.MailboxApi.Imap.Framing;

internal enum ImapFrameStatus
{
    /// <summary>A complete command: its lines and literal octets, CRLFs included.</summary>
    Command,

    /// <summary>The client closed the connection.</summary>
    Closed,

    /// <summary>A line longer than <c>Imap:MaxLineLength</c>; consumed to its LF and dropped.</summary>
    LineTooLong,

    /// <summary>
    /// A synchronizing literal larger than <c>Imap:MaxLiteralSize</c>: the client has not sent its
    /// octets yet (it waits for "+"), so the command is refused and the connection goes on (RFC 7889 §4 [TOOBIG]).
    /// </summary>
    LiteralTooBig,

    /// <summary>A non-synchronizing literal too big: its octets are on the way, the connection cannot recover (RFC 7888 §4).</summary>
    NonSyncLiteralTooBig,
}

/// <summary>
/// One framed command. <see cref="Bytes"/> holds the command (for refused ones: the first line, to
/// recover the tag), without the octets of the literals in <see cref="Spilled"/>, whose files the
/// reader of the frame closes (<see cref="ReleaseAsync"/>).
/// </summary>
internal readonly record struct ImapFrame(ImapFrameStatus Status, byte[] Bytes)
{
    public static ImapFrame Closed => new(ImapFrameStatus.Closed, []);

    public IReadOnlyList<SpilledLiteral>? Spilled { get; init; }

    public ValueTask ReleaseAsync() => SpilledLiteral.ReleaseAsync(Spilled);
}
