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

/// <summary>NOOP (§4.1.1.9): arguments allowed and ignored.</summary>
internal sealed class NoopCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(SmtpReplies.Ok));
}

/// <summary>QUIT (§4.1.1.10): 221 and close; anything pipelined after it is never read.</summary>
internal sealed class QuitCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        session.Replies.Write(SmtpReplies.Closing);
        return ValueTask.FromResult(CommandOutcome.Close);
    }
}

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

/// <summary>EXPN (§3.5.2): mailing lists are not disclosed.</summary>
internal sealed class ExpnCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(new SmtpReply(502, "5.5.1", "Error: EXPN not available")));
}

/// <summary>HELP (§4.1.1.8).</summary>
internal sealed class HelpCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
        => ValueTask.FromResult(session.Reply(new SmtpReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH")));
}

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
