using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

internal enum Pop3Outcome
{
    /// <summary>Reply sent (+OK or a rejected command's -ERR); read the next command.</summary>
    Continue,

    /// <summary>The session ends (QUIT, too many errors, protocol violation).</summary>
    Close,
}

/// <summary>One command's behaviour. Replies go through <see cref="Pop3Session.Reply"/>, never raw to the pipe.</summary>
internal interface IPop3Command
{
    ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken);
}
