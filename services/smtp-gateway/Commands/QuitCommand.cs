using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>QUIT (§4.1.1.10): 221 and close; anything pipelined after it is never read.</summary>
internal sealed class QuitCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        session.Replies.Write(SmtpReplies.Closing);
        return ValueTask.FromResult(CommandOutcome.Close);
    }
}
