using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>STARTTLS (RFC 3207).</summary>
internal sealed class StartTlsCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (hasArguments)
        {
            return ValueTask.FromResult(session.Reject(SmtpReplies.NoParametersAllowed));
        }

        if (session.IsTls)
        {
            return ValueTask.FromResult(session.Reject(new SmtpReply(503, "5.5.1", "Error: TLS already active")));
        }

        return session.StartTlsAsync(cancellationToken);
    }
}
