using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>HELP (§4.1.1.8).</summary>
internal sealed class HelpCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH")));
}
