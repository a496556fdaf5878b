using System.Globalization;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>RSET (RFC 1939 §5): unmarks every message marked deleted.</summary>
internal sealed class RsetCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        maildrop.Reset();
        await session.Reply.OkAsync(string.Create(CultureInfo.InvariantCulture, $"{maildrop.Count} messages ({maildrop.TotalSize} octets)."), cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
