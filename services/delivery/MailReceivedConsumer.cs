using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Facteur.Accounts;
using Facteur.Contracts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery;

/// <summary>
/// Local delivery of one accepted message: expands every recipient into its final mailboxes
/// (one copy per distinct mailbox and folder), writes each copy durably into its Maildir, hands
/// remote recipients to the relay queue, hands each copy to <see cref="DeliveredAnnouncer"/> (the
/// <see cref="MailDelivered"/> wake-up, batched and not waited for), and only then returns,
/// so the broker's ack follows the last fsync (DESIGN.md promise 1). Copies have
/// deterministic file names: a redelivery finds the copies already written and adds none
/// (promise 2). Unknown local users (deleted between RCPT and delivery) and unauthenticated
/// remote recipients are logged and counted in <c>facteur.delivery.skipped</c>, not faulted: the
/// gateway refused both at RCPT, so they are rare, and faulting would send the mailbox copies
/// already delivered to the error queue with the message.
/// </summary>
internal sealed partial class MailReceivedConsumer(
    IRecipientResolver resolver,
    MaildirWriter writer,
    ClaimCheckRepository claims,
    MailSpool spool,
    IMailboxQuota quota,
    MessageStore store,
    RelaySpool relaySpool,
    IOptions<FacteurOptions> facteurOptions,
    TimeProvider time,
    DeliveryBacklog backlog,
    DeliveredAnnouncer announcer,
    ILogger<MailReceivedConsumer> logger) : IConsumer<MailReceived>
{
    public async Task Consume(ConsumeContext<MailReceived> context)
    {
        // What follows blocks in the file system (open with O_CREAT, pread/pwrite, fsync: synchronous
        // by design, see MaildirWriter.WriteTmp), so it runs on a pool thread of its own, never on
        // the thread that handed the message over (a transport's receive or dispatch loop).
        await Task.Yield();
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        // Standalone: a session waiting at MAIL FROM for delivery to catch up may go on (Smtp:InFlowDelay).
        backlog.Started(message.QueueId);
        var mayBeRedelivery = context.ReceiveContext.Redelivered
            || context.GetRetryAttempt() > 0
            || context.GetRedeliveryCount() > 0
            || context.Headers.Get<string>(FacteurQueues.RedeliveryHeader) is not null;

        var (copies, remote) = await PlanAsync(message, cancellationToken).ConfigureAwait(false);

        foreach (var copy in copies)
        {
            var delivery = await DeliverCopyAsync(message, copy with { MayBeRedelivery = mayBeRedelivery }, cancellationToken).ConfigureAwait(false);
            // IMAP sessions of this process (standalone) hear of the copy now, not after the bus
            // round-trip; the event still goes out for other replicas (and is a no-op here).
            store.NotifyDelivered(copy.Mailbox, copy.Folder ?? "INBOX", delivery.FileName);
            announcer.Announce(new MailDelivered
            {
                Mailbox = copy.Mailbox,
                Folder = copy.Folder ?? "INBOX",
                FileName = delivery.FileName,
                QueueId = message.QueueId,
                DeliveredAt = time.GetUtcNow(),
            });
        }

        foreach (var group in remote.GroupBy(DomainOf, StringComparer.OrdinalIgnoreCase))
        {
            await PublishRelayAsync(context, message, group.Key, [.. group], cancellationToken).ConfigureAwait(false);
        }

        // Every copy is durable and every hand-off confirmed: the body is no longer needed.
        if (ClaimCheckRepository.AddressOf(message.LargeContent) is { } claim)
        {
            claims.Delete(claim);
        }

        if (context.Headers.Get<string>(FacteurQueues.SpoolHeader) is not null)
        {
            await CompleteSpoolEntryAsync(message.QueueId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Removes the standalone spool entry once every copy is durable. Format 2 (one file, see
    /// <see cref="SpoolTrailer"/>): one unlink, no fsync — a removal lost in a crash only means the
    /// entry is published again as a redelivery, which finds the copies already written. Format 1
    /// (an <c>.env</c> beside the body, from earlier versions): the envelope goes first with the
    /// fsync of <c>incoming/</c> as a group commit, so a crash in between leaves an orphan body.
    /// </summary>
    private async Task CompleteSpoolEntryAsync(string queueId, CancellationToken cancellationToken)
    {
        var envelope = spool.EnvelopePath(queueId);
        if (File.Exists(envelope))
        {
            File.Delete(envelope);
            await DirectorySync.FsyncAsync(spool.Incoming, cancellationToken).ConfigureAwait(false);
        }

        File.Delete(spool.MessagePath(queueId));
    }

    private async Task<(List<MaildirCopy> Copies, List<string> Remote)> PlanAsync(MailReceived message, CancellationToken cancellationToken)
    {
        var copies = new List<MaildirCopy>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var remote = new List<string>();
        var remoteSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in message.Recipients)
        {
            var resolution = await resolver.ResolveAsync(recipient, cancellationToken).ConfigureAwait(false);
            switch (resolution.Kind)
            {
                case RecipientKind.Local:
                    foreach (var mailbox in resolution.Mailboxes)
                    {
                        // One copy per final mailbox and folder, however many aliases lead there.
                        if (seen.Add($"{mailbox}\n{resolution.Folder}"))
                        {
                            copies.Add(new MaildirCopy
                            {
                                Mailbox = mailbox,
                                Folder = resolution.Folder,
                                QueueId = message.QueueId,
                                ReceivedAt = message.ReceivedAt,
                                ReversePath = message.ReversePath,
                            });
                        }
                    }

                    foreach (var target in resolution.RemoteTargets)
                    {
                        if (remoteSeen.Add(target))
                        {
                            remote.Add(target);
                        }
                    }

                    break;

                case RecipientKind.Remote when message.AuthenticatedUser is not null:
                    if (remoteSeen.Add(recipient))
                    {
                        remote.Add(recipient);
                    }

                    break;

                case RecipientKind.Remote:
                    // The gateway only accepts remote recipients after AUTH (no open relay, promise 3).
                    LogRelayRefused(logger, message.QueueId, recipient);
                    DeliveryTelemetry.Skipped.Add(1, new KeyValuePair<string, object?>("reason", "relay_denied"));
                    break;

                default:
                    LogUnknownRecipient(logger, message.QueueId, recipient);
                    DeliveryTelemetry.Skipped.Add(1, new KeyValuePair<string, object?>("reason", "unknown_user"));
                    break;
            }
        }

        return (copies, remote);
    }

    private async Task<MaildirDelivery> DeliverCopyAsync(MailReceived message, MaildirCopy copy, CancellationToken cancellationToken)
    {
        // A child of MassTransit's consume span: one trace from the SMTP session to this write.
        using var activity = DeliveryTelemetry.Source.StartActivity("maildir.write", ActivityKind.Internal);
        activity?.SetTag("facteur.queue_id", message.QueueId);
        activity?.SetTag("facteur.mailbox", copy.Mailbox);
        activity?.SetTag("facteur.folder", copy.Folder ?? "INBOX");

        // On a redelivery, look first: the body (a claim) may be gone if an earlier attempt finished.
        var delivery = copy.MayBeRedelivery ? writer.FindExisting(copy) : null;
        if (delivery is null)
        {
            if (!await quota.HasRoomAsync(copy.Mailbox, message.Size, cancellationToken).ConfigureAwait(false))
            {
                throw new MailboxFullException(copy.Mailbox);
            }

            await using var content = await OpenContentAsync(message, cancellationToken).ConfigureAwait(false);
            delivery = await writer.DeliverAsync(copy with { MayBeRedelivery = false }, content, cancellationToken).ConfigureAwait(false);
        }

        if (copy.MayBeRedelivery)
        {
            // An attempt killed before its rename left a tmp/ file; the copy is durable now.
            writer.RemoveAbandonedTmp(copy);
        }

        activity?.SetTag("facteur.maildir.file", delivery.FileName);
        activity?.SetTag("facteur.maildir.already_present", delivery.AlreadyPresent);
        if (delivery.AlreadyPresent)
        {
            LogAlreadyDelivered(logger, message.QueueId, copy.Mailbox, delivery.FileName);
        }
        else
        {
            DeliveryTelemetry.Delivered.Add(1);
            DeliveryTelemetry.Bytes.Add(delivery.Size);
            DeliveryTelemetry.Latency.Record((time.GetUtcNow() - message.ReceivedAt).TotalMilliseconds);
            LogDelivered(logger, message.QueueId, copy.Mailbox, copy.Folder ?? "INBOX", delivery.FileName);
        }

        return delivery;
    }

    private async Task<Stream> OpenContentAsync(MailReceived message, CancellationToken cancellationToken)
    {
        if (message.Content is { } inline)
        {
            return new MemoryStream(inline, writable: false);
        }

        if (ClaimCheckRepository.AddressOf(message.LargeContent) is { } claim)
        {
            // A fresh stream per copy, read from the shared volume (never the whole body in memory).
            return await claims.Get(claim, cancellationToken).ConfigureAwait(false);
        }

        throw new MessageDataException($"Message {message.QueueId} carries neither content nor a claim check.");
    }

    private async Task PublishRelayAsync(ConsumeContext context, MailReceived message, string domain, List<string> recipients, CancellationToken cancellationToken)
    {
        var key = $"{message.QueueId}\n{domain.ToLowerInvariant()}";
        var relay = new RelayMail
        {
            QueueId = message.QueueId,
            ReversePath = message.ReversePath,
            Domain = domain.ToLowerInvariant(),
            Recipients = recipients,
            ReceivedAt = message.ReceivedAt,
            Size = message.Size,
            EnvelopeId = message.EnvelopeId,
            DsnReturn = message.DsnReturn,
            DsnNotify = Only(message.DsnNotify, recipients),
            OriginalRecipients = Only(message.OriginalRecipients, recipients),
            Content = message.Content,
            LargeContent = ClaimCheckRepository.AddressOf(message.LargeContent) is { } claim
                ? await claims.CopyAsync(claim, key, cancellationToken).ConfigureAwait(false)
                : null,
        };

        // Same id for the same (queue id, domain) on every redelivery, so the relay can drop a
        // second copy published by an attempt that crashed after this publish and before the ack.
        var messageId = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("RelayMail\n" + key)).AsSpan(0, 16));
        if (facteurOptions.Value.Transport == FacteurTransport.InMemory && !relaySpool.Contains(messageId))
        {
            // The in-memory bus is not a durable queue: the relay spool is (see RelaySpool).
            await using var content = await OpenContentAsync(message, cancellationToken).ConfigureAwait(false);
            await relaySpool.WriteAsync(relay, messageId, content, cancellationToken).ConfigureAwait(false);
        }

        await context.Publish(relay, c =>
        {
            c.MessageId = messageId;
            c.Durable = true;
        }, cancellationToken).ConfigureAwait(false);
        DeliveryTelemetry.Relayed.Add(recipients.Count);
        LogRelayed(logger, message.QueueId, recipients.Count, domain);
    }

    /// <summary>The RFC 3461 per-recipient parameters of these recipients (null when none).</summary>
    private static Dictionary<string, string>? Only(IReadOnlyDictionary<string, string>? values, List<string> recipients)
    {
        if (values is null)
        {
            return null;
        }

        var only = recipients.Where(values.ContainsKey).ToDictionary(r => r, r => values[r], StringComparer.OrdinalIgnoreCase);
        return only.Count > 0 ? only : null;
    }

    private static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : address[(at + 1)..];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {QueueId} to {Mailbox} {Folder} as {FileName}")]
    private static partial void LogDelivered(ILogger logger, string queueId, string mailbox, string folder, string fileName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{QueueId} was already delivered to {Mailbox} as {FileName}; not writing it again")]
    private static partial void LogAlreadyDelivered(ILogger logger, string queueId, string mailbox, string fileName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId}: recipient {Recipient} is no longer a local user; skipped")]
    private static partial void LogUnknownRecipient(ILogger logger, string queueId, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId}: remote recipient {Recipient} without an authenticated sender; not relayed")]
    private static partial void LogRelayRefused(ILogger logger, string queueId, string recipient);

    [LoggerMessage(Level = LogLevel.Information, Message = "{QueueId}: {Count} recipient(s) in {Domain} handed to the relay queue")]
    private static partial void LogRelayed(ILogger logger, string queueId, int count, string domain);
}
