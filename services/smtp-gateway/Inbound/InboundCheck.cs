using System.Text;
using Facteur.SmtpGateway.Intake;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>The one hook in the DATA/BDAT commit path: evaluate, then refuse or prepend Authentication-Results.</summary>
internal static class InboundCheck
{
    /// <summary>A 550 5.7.1 when DMARC says reject (and Smtp:DmarcRejectPolicy allows it); otherwise null, with the header handed to the intake as the message's prefix.</summary>
    public static async ValueTask<SmtpReply?> RefuseAsync(SmtpSession session, SmtpTransaction transaction, CancellationToken cancellationToken)
    {
        var dependencies = session.Dependencies;
        if (session.Listener != SmtpListenerKind.Mx
            || dependencies.InboundAuthentication is not { Enabled: true } authenticator
            || transaction.Spooled is not SpooledMessage spooled)
        {
            return null;
        }

        // A message the intake kept in memory (RabbitMQ, within the inline threshold) is read from there: it has no file.
        var verdict = spooled.InMemory
            ? await authenticator.EvaluateAsync(dependencies.Facteur.Hostname, session.Client, session.HeloName, transaction.ReversePath, spooled.Buffered, cancellationToken)
            : await authenticator.EvaluateAsync(dependencies.Facteur.Hostname, session.Client, session.HeloName, transaction.ReversePath, spooled.Path, cancellationToken);
        if (verdict.Reject)
        {
            dependencies.Telemetry.Rejected("dmarc");
            SmtpLog.MessageRejected(dependencies.Logger, transaction.QueueId, session.Client, "dmarc");
            return new SmtpReply(550, "5.7.1", $"Message rejected: DMARC policy of {verdict.Dmarc.FromDomain} says reject");
        }

        // The intake puts the header in front when it publishes: no copy of the spooled message.
        spooled.HeaderPrefix = Encoding.UTF8.GetBytes(verdict.AuthenticationResults);
        return null;
    }
}
