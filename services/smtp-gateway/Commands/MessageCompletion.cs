using System.Diagnostics;
using System.Text;
using Facteur.SmtpGateway.Intake;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>Why a received message is refused after its last octet.</summary>
internal enum MessageProblem
{
    None,
    TooLarge,
    LineTooLong,
    Smuggling,
    SpoolFailed,
}

/// <summary>What DATA and BDAT share: opening the spool entry with its Received header, and the end.</summary>
internal static class MessageCompletion
{
    /// <summary>Opens the spool entry and writes the Received header; false (and 451 written) when the intake is down.</summary>
    public static async ValueTask<bool> BeginAsync(SmtpSession session, SmtpTransaction transaction, CancellationToken cancellationToken)
    {
        var dependencies = session.Dependencies;
        try
        {
            var spooled = await dependencies.Intake.BeginAsync(transaction.QueueId, cancellationToken);
            transaction.Spooled = spooled;
            var header = ReceivedHeader.Format(
                session.HeloName,
                session.Client,
                dependencies.Facteur.Hostname,
                ReceivedHeader.Protocol(session.IsEsmtp, session.IsTls, session.AuthenticatedUser is not null, transaction.SmtpUtf8),
                transaction.QueueId,
                transaction.Recipients,
                dependencies.Time.GetUtcNow());
            await spooled.Content.WriteAsync(Encoding.UTF8.GetBytes(header), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is MailIntakeUnavailableException or IOException or UnauthorizedAccessException)
        {
            SmtpLog.IntakeUnavailable(dependencies.Logger, e, transaction.QueueId, session.Client);
            dependencies.Telemetry.Rejected("intake_unavailable");
            return false;
        }
    }

    /// <summary>After the last octet: refuse, or commit and say 250 only once the intake made it durable.</summary>
    public static async ValueTask<CommandOutcome> CompleteAsync(SmtpSession session, long size, MessageProblem problem, CancellationToken cancellationToken)
    {
        var transaction = session.Transaction!;
        var dependencies = session.Dependencies;
        var reply = problem switch
        {
            MessageProblem.TooLarge => SmtpReplies.MessageTooBig,
            MessageProblem.LineTooLong => new SmtpReply(500, "5.5.0", $"Error: message has a line longer than {session.Options.MaxDataLineLength} octets"),
            MessageProblem.Smuggling => new SmtpReply(550, "5.5.2", "Error: bare <CR> or <LF> next to a lone dot in message (SMTP smuggling)"),
            MessageProblem.SpoolFailed => SmtpReplies.IntakeUnavailable,
            _ => (SmtpReply?)null,
        };

        if (reply is null)
        {
            reply = await CommitAsync(session, transaction, size, cancellationToken);
        }
        else
        {
            var reason = problem switch
            {
                MessageProblem.TooLarge => "size",
                MessageProblem.LineTooLong => "line_length",
                MessageProblem.Smuggling => "smuggling",
                _ => "intake_unavailable",
            };
            dependencies.Telemetry.Rejected(reason);
            transaction.Activity?.SetStatus(ActivityStatusCode.Error, reason);
            SmtpLog.MessageRejected(dependencies.Logger, transaction.QueueId, session.Client, reason);
        }

        await session.EndTransactionAsync();
        return session.Reply(reply.Value);
    }

    private static async ValueTask<SmtpReply> CommitAsync(SmtpSession session, SmtpTransaction transaction, long size, CancellationToken cancellationToken)
    {
        var dependencies = session.Dependencies;
        var envelope = new Envelope
        {
            QueueId = transaction.QueueId,
            ReversePath = transaction.ReversePath,
            Recipients = transaction.Recipients.ToArray(),
            ReceivedAt = dependencies.Time.GetUtcNow(),
            ClientAddress = session.Client.ToString(),
            HeloName = session.HeloName,
            AuthenticatedUser = session.AuthenticatedUser,
            EnvelopeId = transaction.EnvelopeId,
            DsnReturn = transaction.DsnReturn,
            DsnNotify = transaction.DsnNotify.Count > 0 ? new Dictionary<string, string>(transaction.DsnNotify) : null,
            OriginalRecipients = transaction.OriginalRecipients.Count > 0 ? new Dictionary<string, string>(transaction.OriginalRecipients) : null,
        };

        // The transaction's Activity is Current while the intake commits, so its publish joins the trace.
        var previous = Activity.Current;
        Activity.Current = transaction.Activity;
        try
        {
            var spooled = transaction.Spooled!;
            await spooled.Content.FlushAsync(cancellationToken);
            if (await Inbound.InboundCheck.RefuseAsync(session, transaction, cancellationToken) is { } refusal)
            {
                return refusal;
            }

            await dependencies.Intake.CommitAsync(envelope, spooled, cancellationToken);
        }
        catch (Exception e) when (e is MailIntakeUnavailableException or IOException)
        {
            SmtpLog.IntakeUnavailable(dependencies.Logger, e, transaction.QueueId, session.Client);
            dependencies.Telemetry.Rejected("intake_unavailable");
            transaction.Activity?.SetStatus(ActivityStatusCode.Error, "intake unavailable");
            return SmtpReplies.IntakeUnavailable;
        }
        finally
        {
            Activity.Current = previous;
        }

        dependencies.Telemetry.MessagesReceived.Add(1);
        dependencies.Telemetry.BytesReceived.Add(size);
        transaction.Activity?.SetTag("facteur.smtp.size", size);
        SmtpLog.MessageAccepted(dependencies.Logger, transaction.QueueId, session.Client, size, transaction.Recipients.Count);
        return new SmtpReply(250, "2.0.0", $"Ok: queued as {transaction.QueueId}");
    }
}
