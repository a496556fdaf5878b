using System.Security.Cryptography;
using System.Text;
using Facteur.Contracts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// The outbound relay: one attempt per <see cref="RelayMail"/> (one destination domain, all its
/// recipients in one SMTP transaction). Delivered recipients are done; permanently refused ones
/// (and, after <c>Relay:MaxLifetime</c>, temporarily refused ones) get a failure DSN to the sender;
/// the rest go back to wait for the next step of <c>Relay:RetrySchedule</c>, as a new durable
/// command holding only them, before this one is acked. A delay DSN goes out once after
/// <c>Relay:DelayWarningAfter</c>. No DSN ever goes to the null sender (RFC 5321 §6.1).
/// </summary>
internal sealed partial class RelayMailConsumer(
    RelayTransport transport,
    DkimKeyStore dkim,
    IRelayRetries retries,
    ClaimCheckRepository claims,
    RelaySpool relaySpool,
    IOptions<RelayOptions> relayOptions,
    IOptions<FacteurOptions> facteurOptions,
    TimeProvider time,
    ILogger<RelayMailConsumer> logger) : IConsumer<RelayMail>
{
    public async Task Consume(ConsumeContext<RelayMail> context)
    {
        var relay = context.Message;
        if (!retries.TryBegin(context))
        {
            LogAlreadyHandled(logger, relay.QueueId, relay.Domain);
            return;
        }

        try
        {
            await AttemptAsync(context, relay).ConfigureAwait(false);
        }
        finally
        {
            retries.End(context);
        }
    }

    private async Task AttemptAsync(ConsumeContext<RelayMail> context, RelayMail relay)
    {
        var cancellationToken = context.CancellationToken;
        var options = relayOptions.Value;
        using var activity = RelayTelemetry.Source.StartActivity("relay.attempt");
        activity?.SetTag("facteur.queue_id", relay.QueueId);
        activity?.SetTag("facteur.relay.domain", relay.Domain);
        activity?.SetTag("facteur.relay.attempt", relay.Attempts + 1);

        await using var content = await OpenContentAsync(context, cancellationToken).ConfigureAwait(false);
        var message = await MimeMessage.LoadAsync(content, persistent: content is FileStream, cancellationToken).ConfigureAwait(false);
        dkim.TrySign(message);

        var outcomes = await transport.SendAsync(relay.Domain, relay.ReversePath, relay.Recipients, message,
            relay.EnvelopeId, relay.DsnReturn, relay.DsnNotify, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        var expiry = relay.ReceivedAt + options.MaxLifetime;
        var expired = now >= expiry;
        var delivered = outcomes.Where(o => o.Status == RecipientStatus.Delivered).ToList();
        var failed = outcomes.Where(o => o.Status == RecipientStatus.PermanentFailure || (expired && o.Status == RecipientStatus.TemporaryFailure)).ToList();
        var deferred = expired ? [] : outcomes.Where(o => o.Status == RecipientStatus.TemporaryFailure).ToList();

        foreach (var outcome in outcomes)
        {
            LogOutcome(logger, relay.QueueId, outcome.Recipient, outcome.Status, outcome.Diagnostic);
        }

        RelayTelemetry.Delivered.Add(delivered.Count);
        RelayTelemetry.Bounced.Add(failed.Count);
        RelayTelemetry.Deferred.Add(deferred.Count);

        var dsnFailed = failed.Where(o => Wants(relay, o.Recipient, "FAILURE")).ToList();
        if (dsnFailed.Count > 0)
        {
            await SendDsnAsync(context, DsnKind.Failed, dsnFailed, message, null, cancellationToken).ConfigureAwait(false);
        }

        var retryScheduled = false;
        if (deferred.Count > 0)
        {
            var warn = !relay.DelayWarned && now - relay.ReceivedAt >= options.DelayWarningAfter;
            if (warn)
            {
                var dsnDelayed = deferred.Where(o => Wants(relay, o.Recipient, "DELAY")).ToList();
                if (dsnDelayed.Count > 0)
                {
                    await SendDsnAsync(context, DsnKind.Delayed, dsnDelayed, message, expiry, cancellationToken).ConfigureAwait(false);
                }
            }

            var next = relay with
            {
                Recipients = [.. deferred.Select(o => o.Recipient)],
                Attempts = relay.Attempts + 1,
                DelayWarned = relay.DelayWarned || warn,
            };
            var delay = options.DelayAfter(next.Attempts);
            if (ClaimCheckRepository.AddressOf(relay.LargeContent) is { } body)
            {
                // Bus:ClaimRetention counts from the last attempt, not from the claim's creation:
                // with Relay:MaxLifetime above it the body would be swept before the last retry.
                claims.Refresh(body);
            }

            await retries.ScheduleAsync(context, next, delay, ct => OpenContentAsync(context, ct)).ConfigureAwait(false);
            retryScheduled = true;
            LogDeferred(logger, relay.QueueId, deferred.Count, relay.Domain, delay);
        }

        await retries.CompleteAsync(context, retryScheduled).ConfigureAwait(false);
        if (!retryScheduled && ClaimCheckRepository.AddressOf(relay.LargeContent) is { } claim)
        {
            claims.Delete(claim);
        }
    }

    /// <summary>RFC 3461 §4.1: without NOTIFY, FAILURE and DELAY are implied; NEVER means none.</summary>
    private static bool Wants(RelayMail relay, string recipient, string kind)
    {
        if (relay.ReversePath.Length == 0)
        {
            return false;
        }

        if (relay.DsnNotify?.GetValueOrDefault(recipient) is not { } notify)
        {
            return true;
        }

        return notify.Split(',', StringSplitOptions.TrimEntries).Contains(kind, StringComparer.OrdinalIgnoreCase);
    }

    private async Task SendDsnAsync(ConsumeContext<RelayMail> context, DsnKind kind, IReadOnlyList<RecipientOutcome> outcomes, MimeMessage original, DateTimeOffset? retryUntil, CancellationToken cancellationToken)
    {
        var relay = context.Message;
        var now = time.GetUtcNow();
        var hostname = facteurOptions.Value.Hostname;
        var dsn = DsnComposer.Compose(kind, hostname, relay.ReversePath, outcomes, original, relay.Size, relay.EnvelopeId, relay.DsnReturn,
            relay.OriginalRecipients, relay.ReceivedAt, retryUntil, now);
        using var buffer = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await dsn.WriteToAsync(format, buffer, cancellationToken).ConfigureAwait(false);
        var bytes = buffer.ToArray();

        // Deterministic queue id per (command, kind): a redelivered attempt makes the same DSN,
        // which delivery's idempotent Maildir names then store once.
        var key = $"{context.MessageId}\n{relay.QueueId}\n{relay.Domain}\n{relay.Attempts}\n{kind}";
        var queueId = "D" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 15);
        await context.Publish(new MailReceived
        {
            QueueId = queueId,
            ReversePath = string.Empty, // RFC 3464 §2 / RFC 5321 §4.5.5: DSNs use the null reverse-path.
            Recipients = [relay.ReversePath],
            ReceivedAt = now,
            Size = bytes.Length,
            Content = bytes,
            HeloName = hostname,
            // A sender outside our domains (mail forwarded by an alias) gets its DSN relayed: the
            // relay speaks for it as an authenticated submitter would.
            AuthenticatedUser = "MAILER-DAEMON",
        }, c => c.Durable = true, cancellationToken).ConfigureAwait(false);
        RelayTelemetry.Dsns.Add(1, new KeyValuePair<string, object?>("action", kind == DsnKind.Failed ? "failed" : "delayed"));
        LogDsn(logger, relay.QueueId, kind, relay.ReversePath, queueId);
    }

    private async Task<Stream> OpenContentAsync(ConsumeContext<RelayMail> context, CancellationToken cancellationToken)
    {
        var relay = context.Message;
        if (context.Headers.Get<string>(SpoolRelayRetries.SpoolIdHeader) is not null && context.MessageId is { } spoolId)
        {
            return new FileStream(relaySpool.MessagePath(spoolId), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
        }

        if (relay.Content is { } inline)
        {
            return new MemoryStream(inline, writable: false);
        }

        if (ClaimCheckRepository.AddressOf(relay.LargeContent) is { } claim)
        {
            return await claims.Get(claim, cancellationToken).ConfigureAwait(false);
        }

        if (context.MessageId is { } id && File.Exists(relaySpool.MessagePath(id)))
        {
            return new FileStream(relaySpool.MessagePath(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous);
        }

        throw new MessageDataException($"Relay command {relay.QueueId} for {relay.Domain} carries neither content nor a claim check.");
    }


    [LoggerMessage(Level = LogLevel.Information, Message = "Relay {QueueId}: already finished, dropping this copy for {Domain}")]
    private static partial void LogAlreadyHandled(ILogger logger, string queueId, string domain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay {QueueId}: {Recipient} {Status} ({Diagnostic})")]
    private static partial void LogOutcome(ILogger logger, string queueId, string recipient, RecipientStatus status, string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay {QueueId}: {Count} recipient(s) in {Domain} deferred, next attempt in {Delay}")]
    private static partial void LogDeferred(ILogger logger, string queueId, int count, string domain, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay {QueueId}: {Kind} DSN to {Sender} as {DsnQueueId}")]
    private static partial void LogDsn(ILogger logger, string queueId, DsnKind kind, string sender, string dsnQueueId);
}
