using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>
/// RETR msg (RFC 1939 §5): streams the file (CRLF, dot-stuffed) and notes it for \Seen, which is
/// stored (new/ → cur/…:2,S) when the session ends so IMAP sees it read. A message whose transfer
/// was cut off is not marked.
/// </summary>
internal sealed class RetrCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 1)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "RETR msg", cancellationToken).ConfigureAwait(false);
        }

        var (message, close) = await MessageArgument.ResolveAsync(session, command.Arguments[0], cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return close ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        var sent = await MessageTransfer.SendAsync(session, message, bodyLines: null, $"{message.Size} octets", cancellationToken).ConfigureAwait(false);
        if (sent)
        {
            session.Maildrop!.MarkSeen(message);
            session.Services.Telemetry.MessagesRetrieved.Add(1);
        }

        return Pop3Outcome.Continue;
    }
}
