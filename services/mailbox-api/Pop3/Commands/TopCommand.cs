using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>TOP msg n (RFC 1939 §7): the header, the blank line, and the first n body lines. Does not set \Seen.</summary>
internal sealed class TopCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 2 || !Pop3CommandParser.TryParseNumber(command.Arguments[1], out var lines))
        {
            return await MessageArgument.SyntaxErrorAsync(session, "TOP msg n", cancellationToken).ConfigureAwait(false);
        }

        var (message, close) = await MessageArgument.ResolveAsync(session, command.Arguments[0], cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return close ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        await MessageTransfer.SendAsync(session, message, lines, "Top of message follows", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
