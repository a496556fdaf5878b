using System.Globalization;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>UIDL [msg] (RFC 1939 §7): Dovecot's default <c>%08Xu%08Xv</c>, so clients migrated from Dovecot download nothing again.</summary>
internal sealed class UidlCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        if (command.Arguments.Count > 1)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "UIDL [msg]", cancellationToken).ConfigureAwait(false);
        }

        if (command.Arguments.Count == 1)
        {
            var (message, close) = await MessageArgument.ResolveAsync(session, command.Arguments[0], cancellationToken).ConfigureAwait(false);
            if (message is not null)
            {
                await session.Reply.OkAsync(string.Create(CultureInfo.InvariantCulture, $"{message.Number} {message.Uidl}"), cancellationToken).ConfigureAwait(false);
            }

            return close ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        await session.Reply.ListingAsync("Unique-ID listing follows", maildrop.Messages, uniqueIds: true, cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
