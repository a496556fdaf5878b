using System.Buffers;
using Facteur.SmtpGateway.Framing;
using Facteur.SmtpGateway.Intake;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// DATA (RFC 5321 §4.1.1.4): 354, then the content streams through <see cref="DataDecoder"/> into
/// the spool entry one read at a time — never a whole message, never a string per line.
/// </summary>
internal sealed class DataCommand : ISmtpCommand
{
    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (hasArguments)
        {
            return session.Reject(SmtpReplies.NoParametersAllowed);
        }

        var transaction = session.Transaction!;
        if (!await MessageCompletion.BeginAsync(session, transaction, cancellationToken))
        {
            await session.EndTransactionAsync();
            return session.Reply(SmtpReplies.IntakeUnavailable);
        }

        session.Reply(SmtpReplies.StartMailInput);
        var options = session.Options;
        var decoder = new DataDecoder(session.Dependencies.Facteur.MaxMessageSize, options.MaxDataLineLength);
        var decoded = new ArrayBufferWriter<byte>(16 * 1024);
        var content = transaction.Spooled!.Content;
        var spoolFailed = false;
        while (true)
        {
            var result = await session.ReadAsync(options.DataTimeout, cancellationToken);
            var buffer = result.Buffer;
            var done = decoder.Decode(buffer, decoded, out var consumed);
            if (decoded.WrittenCount > 0)
            {
                if (!spoolFailed)
                {
                    try
                    {
                        await content.WriteAsync(decoded.WrittenMemory, cancellationToken);
                    }
                    catch (Exception e) when (e is IOException or MailIntakeUnavailableException)
                    {
                        spoolFailed = true; // keep reading to the end, then 451
                    }
                }

                decoded.ResetWrittenCount();
            }

            session.Input.AdvanceTo(consumed, done ? consumed : buffer.End);
            if (done)
            {
                break;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("Connection closed during DATA");
            }
        }

        var problem = decoder switch
        {
            { TooLarge: true } => MessageProblem.TooLarge,
            { SmugglingAttempt: true } => MessageProblem.Smuggling,
            { LineTooLong: true } => MessageProblem.LineTooLong,
            _ when spoolFailed => MessageProblem.SpoolFailed,
            _ => MessageProblem.None,
        };
        return await MessageCompletion.CompleteAsync(session, decoder.Size, problem, cancellationToken);
    }
}
