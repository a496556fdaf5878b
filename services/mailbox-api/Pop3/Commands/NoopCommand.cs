using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>NOOP (RFC 1939 §5).</summary>
internal sealed class NoopCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        await session.Reply.OkAsync("Nothing done.", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
