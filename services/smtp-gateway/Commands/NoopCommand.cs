using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>NOOP (§4.1.1.9): arguments allowed and ignored.</summary>
internal sealed class NoopCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(SmtpReplies.Ok));
}
