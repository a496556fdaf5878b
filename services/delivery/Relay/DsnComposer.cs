using System.Globalization;
using System.Text;
using MimeKit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Builds delivery status notifications (RFC 3464): a <c>multipart/report;
/// report-type=delivery-status</c> with a human-readable part, the <c>message/delivery-status</c>
/// fields (per message, then one group per recipient) and the original message's headers
/// (<c>text/rfc822-headers</c>) — or the whole message (<c>message/rfc822</c>) when the sender
/// asked RET=FULL (RFC 3461 §4.3) and it is small enough.
/// </summary>
internal static class DsnComposer
{
    /// <summary>Above this, RET=FULL falls back to headers (RFC 3461 §4.3 allows it; the bounce should not be a second copy of a huge message).</summary>
    public const long FullReturnLimit = 64 * 1024;

    public static MimeMessage Compose(DsnKind kind, string reportingMta, string sender, IReadOnlyList<RecipientOutcome> outcomes,
        MimeMessage original, long originalSize, string? envelopeId, string? dsnReturn, IReadOnlyDictionary<string, string>? originalRecipients,
        DateTimeOffset arrival, DateTimeOffset? retryUntil, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        message.To.Add(MailboxAddress.Parse(sender));
        message.Subject = kind == DsnKind.Failed
            ? "Undelivered Mail Returned to Sender"
            : "Delayed Mail (still being retried)";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied"); // RFC 3834 §5: no auto-reply to this.
        if (original.MessageId is { } originalId)
        {
            message.InReplyTo = originalId;
        }

        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = HumanText(kind, reportingMta, outcomes, original, retryUntil) });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
        };
        if (envelopeId is not null)
        {
            perMessage.Add("Original-Envelope-Id", envelopeId);
        }

        perMessage.Add("Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(arrival));
        status.StatusGroups.Add(perMessage);
        foreach (var outcome in outcomes)
        {
            var group = new HeaderList();
            if (originalRecipients?.GetValueOrDefault(outcome.Recipient) is { } orcpt)
            {
                group.Add("Original-Recipient", orcpt);
            }

            group.Add("Final-Recipient", "rfc822; " + outcome.Recipient);
            group.Add("Action", kind == DsnKind.Failed ? "failed" : "delayed");
            group.Add("Status", kind == DsnKind.Failed && outcome.EnhancedStatus[0] != '5' ? "5" + outcome.EnhancedStatus[1..] : outcome.EnhancedStatus);
            if (outcome.RemoteMta is { } remote)
            {
                group.Add("Remote-MTA", "dns; " + remote);
            }

            group.Add("Diagnostic-Code", Fold(outcome.Diagnostic));
            group.Add("Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(now));
            if (kind == DsnKind.Delayed && retryUntil is { } until)
            {
                group.Add("Will-Retry-Until", MimeKit.Utils.DateUtils.FormatDate(until));
            }

            status.StatusGroups.Add(group);
        }

        report.Add(status);

        var full = string.Equals(dsnReturn, "FULL", StringComparison.OrdinalIgnoreCase) && originalSize <= FullReturnLimit;
        if (full)
        {
            report.Add(new MessagePart("rfc822") { Message = original });
        }
        else
        {
            using var headers = new MemoryStream();
            original.Headers.WriteTo(FormatOptions.Default, headers);
            report.Add(new MimePart("text", "rfc822-headers")
            {
                Content = new MimeContent(new MemoryStream(headers.ToArray())),
                ContentTransferEncoding = ContentEncoding.SevenBit,
            });
        }

        message.Body = report;
        return message;
    }

    private static string Fold(string text) => text.Length <= 900 ? text : text[..900];

    private static string HumanText(DsnKind kind, string reportingMta, IReadOnlyList<RecipientOutcome> outcomes, MimeMessage original, DateTimeOffset? retryUntil)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {reportingMta}.\n\n");
        if (kind == DsnKind.Failed)
        {
            text.Append("I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n");
        }
        else
        {
            text.Append("Your message could not be delivered yet to one or more recipients.\n");
            if (retryUntil is { } until)
            {
                text.Append(CultureInfo.InvariantCulture, $"Delivery will be attempted until {until:u}.\nYou do not need to resend it.\n\n");
            }
        }

        if (original.Subject is { } subject)
        {
            text.Append(CultureInfo.InvariantCulture, $"Subject: {subject}\n\n");
        }

        foreach (var outcome in outcomes)
        {
            text.Append(CultureInfo.InvariantCulture, $"<{outcome.Recipient}>: {outcome.Diagnostic}\n");
        }

        return text.ToString();
    }
}
