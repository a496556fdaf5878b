using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>Resolves a message-number argument, answering -ERR itself when it names no live message.</summary>
internal static class MessageArgument
{
    /// <returns>The message, or null after an -ERR reply (<paramref name="close"/> when the bad-command limit was hit).</returns>
    public static async ValueTask<(Pop3Message? Message, bool Close)> ResolveAsync(Pop3Session session, string argument, CancellationToken cancellationToken)
    {
        if (!Pop3CommandParser.TryParseNumber(argument, out var number))
        {
            return (null, await session.RejectAsync("Invalid message number.", cancellationToken).ConfigureAwait(false));
        }

        var message = session.Maildrop!.Find(number, out var deleted);
        if (message is null)
        {
            await session.Reply.ErrAsync(null, deleted ? $"Message {number} is deleted." : $"There is no message {number}.", cancellationToken).ConfigureAwait(false);
        }

        return (message, false);
    }

    public static async ValueTask<Pop3Outcome> SyntaxErrorAsync(Pop3Session session, string usage, CancellationToken cancellationToken) =>
        await session.RejectAsync("Syntax: " + usage, cancellationToken).ConfigureAwait(false) ? Pop3Outcome.Close : Pop3Outcome.Continue;
}
