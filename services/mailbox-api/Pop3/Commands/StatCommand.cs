using System.Globalization;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>STAT (RFC 1939 §5): count and octets of the messages not marked deleted.</summary>
internal sealed class StatCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        await session.Reply.OkAsync(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} {maildrop.TotalSize}"), cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
