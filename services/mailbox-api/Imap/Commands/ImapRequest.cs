using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>A parsed command: its tag, its name (for UID commands the sub-command, with <see cref="Uid"/> set) and the cursor on its arguments.</summary>
internal sealed record ImapRequest(string Tag, string Name, bool Uid, ImapParser Arguments);

/// <summary>How a command ended: the text of its tagged OK, and what the session does next.</summary>
internal sealed record ImapResult(string Text)
{
    /// <summary>RFC 3501 §7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH (non-UID forms).</summary>
    public bool AllowExpunge { get; init; } = true;

    /// <summary>False for commands that leave nothing to report (LOGOUT) or that already refreshed.</summary>
    public bool Refresh { get; init; } = true;

    public bool Close { get; init; }

    /// <summary>The handler already wrote its tagged response (STARTTLS answers before the handshake).</summary>
    public bool Answered { get; init; }

    public static ImapResult Ok(string text = "Completed.") => new(text);
}

/// <summary>The command is valid but cannot be carried out: answered with a tagged NO (and an optional response code).</summary>
internal sealed class ImapNoException(string text, string? code = null) : Exception(text)
{
    public string? Code { get; } = code;
}

/// <summary>One IMAP command's behaviour.</summary>
internal delegate ValueTask<ImapResult> ImapCommandHandler(ImapSession session, ImapRequest request, CancellationToken cancellationToken);
