using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// VRFY (§3.5.3): 252 without looking anything up, so the command can't be used to probe which
/// users exist (RCPT gives the real answer, inside a transaction, where it is counted).
/// </summary>
internal sealed class VrfyCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(hasArguments && !arguments.IsEmpty
            ? session.Reply(new SmtpReply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"))
            : session.Reject(new SmtpReply(501, "5.5.4", "Syntax: VRFY address")));
}
