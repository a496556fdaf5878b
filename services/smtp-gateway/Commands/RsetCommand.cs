using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>RSET (RFC 5321 §4.1.1.5): abort the transaction, keep the greeting.</summary>
internal sealed class RsetCommand : ISmtpCommand
{
    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (hasArguments)
        {
            return session.Reject(SmtpReplies.NoParametersAllowed);
        }

        await session.EndTransactionAsync();
        return session.Reply(SmtpReplies.Ok);
    }
}
