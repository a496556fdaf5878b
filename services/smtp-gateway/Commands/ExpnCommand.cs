using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>EXPN (§3.5.2): mailing lists are not disclosed.</summary>
internal sealed class ExpnCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(new SmtpReply(502, "5.5.1", "Error: EXPN not available")));
}
