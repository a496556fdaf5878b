using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>PASS string (RFC 1939 §7): only right after a successful USER; the whole rest of the line is the password.</summary>
internal sealed class PassCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (!session.CanAuthenticate)
        {
            await session.Reply.ErrAsync("AUTH", "Plaintext authentication disallowed on non-secure connections; use STLS.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        if (session.PendingUser is not { } user)
        {
            return await session.RejectAsync("Send USER first.", cancellationToken).ConfigureAwait(false) ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        session.PendingUser = null;
        return await session.LoginAsync(user, command.RawArgument, cancellationToken).ConfigureAwait(false);
    }
}
