using System.Globalization;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>LIST [msg] (RFC 1939 §5): sizes in octets as RETR sends them (CRLF line ends, before stuffing).</summary>
internal sealed class ListCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        if (command.Arguments.Count > 1)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "LIST [msg]", cancellationToken).ConfigureAwait(false);
        }

        if (command.Arguments.Count == 1)
        {
            var (message, close) = await MessageArgument.ResolveAsync(session, command.Arguments[0], cancellationToken).ConfigureAwait(false);
            if (message is not null)
            {
                await session.Reply.OkAsync(string.Create(CultureInfo.InvariantCulture, $"{message.Number} {message.Size}"), cancellationToken).ConfigureAwait(false);
            }

            return close ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        // Sizes were settled at login (the W= of the name or the uidlist's W): no file is read here.
        await session.Reply.ListingAsync(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} messages ({maildrop.TotalSize} octets)"), maildrop.Messages, uniqueIds: false, cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
