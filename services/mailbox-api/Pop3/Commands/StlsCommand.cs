using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>STLS (RFC 2595 §4): only in AUTHORIZATION, only once, only where a certificate is configured.</summary>
internal sealed class StlsCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (!session.CanStartTls)
        {
            return await session.RejectAsync(session.IsTls ? "TLS is already active." : "STLS is not available.", cancellationToken).ConfigureAwait(false)
                ? Pop3Outcome.Close
                : Pop3Outcome.Continue;
        }

        return await session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
    }
}
