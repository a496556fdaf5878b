using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// MailKit's SMTP client with per-recipient results: a refused RCPT is recorded instead of
/// aborting the transaction, so one transaction carries every recipient of the destination and
/// each gets its own outcome. RFC 3461 parameters (NOTIFY, ORCPT per recipient, ENVID and RET)
/// come from the relay command. MailKit was chosen over a hand-written client: it already does
/// ESMTP, PIPELINING, STARTTLS, AUTH, SIZE, 8BITMIME/BINARYMIME, CHUNKING and DSN correctly.
/// </summary>
internal sealed class RelaySmtpClient : SmtpClient
{
    private readonly Dictionary<string, DeliveryStatusNotification?> notify = new(StringComparer.OrdinalIgnoreCase);
    private string? envelopeId;

    public List<(string Recipient, SmtpResponse Response)> Refused { get; } = [];

    /// <summary>Prepares the next transaction on this connection: its RFC 3461 parameters, no refusals yet.</summary>
    public void SetDsn(string? envid, string? ret, IReadOnlyDictionary<string, string>? notifications)
    {
        Refused.Clear();
        envelopeId = envid;
        DeliveryStatusNotificationType = ret?.ToUpperInvariant() switch
        {
            "FULL" => DeliveryStatusNotificationType.Full,
            "HDRS" => DeliveryStatusNotificationType.HeadersOnly,
            _ => DeliveryStatusNotificationType.Unspecified,
        };
        notify.Clear();
        foreach (var (recipient, value) in notifications ?? new Dictionary<string, string>())
        {
            notify[recipient] = ParseNotify(value);
        }
    }

    /// <summary>
    /// RSET (RFC 5321 §4.1.1.5) on a connection about to be reused: clears whatever a previous
    /// transaction left and proves the server is still there. False when the connection is gone.
    /// </summary>
    public async Task<bool> TryResetAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            return false;
        }

        try
        {
            var response = await SendCommandAsync("RSET", cancellationToken).ConfigureAwait(false);
            return response.StatusCode == SmtpStatusCode.Ok;
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static DeliveryStatusNotification? ParseNotify(string value)
    {
        DeliveryStatusNotification result = 0;
        foreach (var word in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            result |= word.ToUpperInvariant() switch
            {
                "NEVER" => DeliveryStatusNotification.Never,
                "SUCCESS" => DeliveryStatusNotification.Success,
                "FAILURE" => DeliveryStatusNotification.Failure,
                "DELAY" => DeliveryStatusNotification.Delay,
                _ => 0,
            };
        }

        return result == 0 ? null : result;
    }

    protected override string? GetEnvelopeId(MimeMessage message) => envelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
        notify.GetValueOrDefault(mailbox.Address);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Refused.Add((mailbox.Address, response));

    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new NoRecipientsAcceptedException();
}

/// <summary>Every RCPT was refused: the transaction is over, the outcomes are in <see cref="RelaySmtpClient.Refused"/>.</summary>
internal sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException()
        : base("The remote server accepted none of the recipients.")
    {
    }

    public NoRecipientsAcceptedException(string message)
        : base(message)
    {
    }

    public NoRecipientsAcceptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
