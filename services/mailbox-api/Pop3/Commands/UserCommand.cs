using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>USER name (RFC 1939 §7).</summary>
internal sealed class UserCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (!session.CanAuthenticate)
        {
            // RFC 2595 §4 / RFC 3206: refuse cleartext before STLS with the AUTH response code.
            await session.Reply.ErrAsync("AUTH", "Plaintext authentication disallowed on non-secure connections; use STLS.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        if (command.RawArgument.Length == 0)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "USER name", cancellationToken).ConfigureAwait(false);
        }

        session.PendingUser = command.RawArgument.Trim();
        await session.Reply.OkAsync("Send your password.", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
