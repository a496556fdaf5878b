using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>DELE msg (RFC 1939 §5): only marks; the file goes at QUIT (UPDATE state).</summary>
internal sealed class DeleCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 1)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "DELE msg", cancellationToken).ConfigureAwait(false);
        }

        var (message, close) = await MessageArgument.ResolveAsync(session, command.Arguments[0], cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return close ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        session.Maildrop!.Delete(message);
        await session.Reply.OkAsync($"Message {message.Number} deleted.", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
