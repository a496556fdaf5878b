using System.Security.Cryptography;
using System.Text;
using Facteur.Contracts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// Spools each message while the session receives it (to disk; over RabbitMQ in memory while it
/// is within the inline threshold), then makes it durable before the session may answer 250
/// (DESIGN.md promise 1):
/// <list type="bullet">
/// <item>RabbitMQ: publishes <see cref="MailReceived"/> (inline up to <see cref="BusOptions.InlineThreshold"/>,
/// otherwise by claim check: the message spills into its claim file in the claims folder while it
/// arrives, gets its trailer (the header prefix), is never copied or loaded, and is fsynced through
/// its open handle while the publish runs) and waits for the publisher confirm at most
/// <see cref="BusOptions.PublishTimeout"/>. A confirm that does not come is waited for by publishing
/// again (<see cref="PublishAsync"/>). No confirm within the timeout and the broker never reached →
/// <see cref="MailIntakeUnavailableException"/> (451 4.3.0) and nothing is left behind; reached but
/// never confirmed → the message is kept in the spool, 250, and <see cref="UnconfirmedRepublisher"/>
/// publishes it again (MailIntake.Unconfirmed.cs).</item>
/// <item>In-memory (standalone): the in-memory bus forgets everything on a crash, so the message
/// becomes a spool entry first: one file, message then envelope (<see cref="SpoolTrailer"/>),
/// fsynced once; the directory entry was made durable while the message arrived. Delivery deletes
/// the entry when every copy is durable and <see cref="SpoolRecovery"/> publishes unfinished
/// entries again at start.</item>
/// </list>
/// </summary>
internal sealed partial class MailIntake(
    MailSpool spool,
    ClaimCheckRepository claims,
    IBus bus,
    IOptions<BusOptions> busOptions,
    IOptions<FacteurOptions> facteurOptions,
    DeliveryBacklog backlog,
    ILogger<MailIntake> logger) : IMailIntake
{
    /// <summary>The pause between two publish attempts after one failed before its confirm timeout.</summary>
    private static readonly TimeSpan RepublishPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Above this many octets a message travels by claim check.</summary>
    private int InlineThreshold => busOptions.Value.InlineThreshold;

    public ValueTask<ISpooledMessage> BeginAsync(string queueId, CancellationToken cancellationToken)
    {
        spool.EnsureCreated();
        if (facteurOptions.Value.Transport != FacteurTransport.InMemory)
        {
            // RabbitMQ: a message within the inline threshold is published from memory and needs
            // no file (SpooledMessage says why); a larger one spills into a file created in claims/
            // under its claim's final name, and the fsync of claims/ starts with it: the entry is
            // durable before the message ends, and the commit waits for the file's own fsync only
            // (no rename into claims/ left to make durable after the last octet).
            return ValueTask.FromResult<ISpooledMessage>(new SpooledMessage(queueId, claims.SpillPath(queueId), InlineThreshold));
        }

        // Standalone: the file is the spool entry, created now (SpooledMessage starts the fsync of
        // incoming/ with it, so its name is durable by the time the message ends).
        return ValueTask.FromResult<ISpooledMessage>(new SpooledMessage(queueId, spool.MessagePath(queueId), memoryLimit: 0));
    }

    public async ValueTask CommitAsync(Envelope envelope, ISpooledMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (message is not SpooledMessage spooled || spooled.Committed)
        {
            throw new InvalidOperationException("The message was not begun by this intake or is already committed.");
        }

        if (facteurOptions.Value.Transport == FacteurTransport.InMemory)
        {
            await CommitToSpoolAsync(envelope, spooled, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await CommitToBrokerAsync(envelope, spooled, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CommitToBrokerAsync(Envelope envelope, SpooledMessage spooled, CancellationToken cancellationToken)
    {
        var threshold = InlineThreshold;
        var prefix = spooled.HeaderPrefix ?? [];
        var size = prefix.Length + spooled.Length;
        // A message that spilled into a file is past the threshold (SpooledMessage keeps it in
        // memory up to it), so its file is already its claim.
        var large = size > threshold || !spooled.InMemory;

        spooled.Committed = true;
        MailReceived received;
        Uri? claim = null;
        try
        {
            if (large)
            {
                // The claim file gets its trailer (the header prefix goes after the message, not in
                // a second copy; the footer's hash covers it all) and every octet goes to the
                // kernel, all before the broker has its address: a worker that opens the claim
                // finds it whole. Its fsync (on the handle still open, never by path: a worker may
                // have delivered and deleted the claim by then) runs while the broker stores and
                // confirms the message, and the 250 waits for both and for the fsync of claims/
                // that started when the file was created. A crash in between can leave the broker
                // a message whose claim is missing or cut short; its client got no 250 and sends
                // it again, and delivery never delivers such a claim (ClaimCheckRepository.Get
                // checks its footer and hash).
                await spooled.SealOpenAsync([], cancellationToken).ConfigureAwait(false);
                var content = claims.ForSpilled(envelope.QueueId);
                claim = content.Address;
                received = ToMessage(envelope, size) with { LargeContent = content };
                var claimDurable = MakeClaimDurableAsync(spooled, cancellationToken);
                await PublishWhileDurableAsync(PublishAsync(received, spoolEntry: false, cancellationToken), claimDurable).ConfigureAwait(false);
            }
            else
            {
                received = ToMessage(envelope, size) with { Content = spooled.ToArrayWithPrefix(prefix) };
                await PublishAsync(received, spoolEntry: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The broker may hold the message: keep it and answer 250 (MailIntake.Unconfirmed.cs says why).
            if (ex is MailIntakeUnavailableException { MayHaveReachedBroker: true }
                && await TryKeepUnconfirmedAsync(envelope, spooled, prefix, size, large).ConfigureAwait(false))
            {
                return;
            }

            // Nothing left behind: the client is told to retry and will send it again.
            DeleteQuietly(spooled.Path);
            if (claim is not null)
            {
                DeleteClaimQuietly(claim);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new MailIntakeUnavailableException("The spool is unavailable.", ex);
            }

            throw;
        }

        LogPublished(logger, envelope.QueueId, size, large);
    }

    private async Task CommitToSpoolAsync(Envelope envelope, SpooledMessage spooled, CancellationToken cancellationToken)
    {
        spooled.Committed = true;
        var prefix = spooled.HeaderPrefix ?? [];
        long size;
        try
        {
            // One file, one fsync: the envelope and the header prefix go after the message
            // (SpoolTrailer), and the footer's hash makes the entry committed only once all of it
            // is on disk. The directory entry's fsync started when the file was created.
            size = prefix.Length + spooled.Length;
            var entry = SpoolEnvelope.From(envelope, size);
            await spooled.SealAsync(entry.ToJson(), fsync: true, cancellationToken).ConfigureAwait(false);
            await spooled.EntryCreated.WaitAsync(cancellationToken).ConfigureAwait(false);
            var received = size > InlineThreshold
                ? ToMessage(envelope, size) with { LargeContent = claims.ForSpoolEntry(envelope.QueueId) }
                : ToMessage(envelope, size) with { Content = await SpoolTrailer.ReadContentAsync(spooled.Path, formatTwo: true, cancellationToken).ConfigureAwait(false) };
            await PublishAsync(received, spoolEntry: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not published: answer 451 and forget the entry, so the client's retry is the only copy.
            DeleteQuietly(spooled.Path);
            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new MailIntakeUnavailableException("The spool is unavailable.", ex);
            }

            throw;
        }

        LogSpooled(logger, envelope.QueueId, size);
    }

    /// <summary>
    /// Test seam: awaited just before the claim's fsync, with the claim's path, so a test can let a
    /// worker deliver the message and delete its claim first (the race that must not turn into a 451).
    /// </summary>
    internal Func<string, Task>? BeforeClaimSync { get; set; }

    /// <summary>
    /// Waits for a claim's publish and its fsync, started together. The fsync's failure wins over the
    /// publish's: a claim that may not be on disk must not be kept as an unconfirmed entry and
    /// answered 250 (<see cref="TryKeepUnconfirmedAsync"/>); the caller answers 451 and deletes it,
    /// so a copy the broker did store fails in delivery instead of being delivered half.
    /// </summary>
    private static async Task PublishWhileDurableAsync(Task publish, Task claimDurable)
    {
        try
        {
            await publish.ConfigureAwait(false);
        }
        catch
        {
            await claimDurable.ConfigureAwait(false);
            throw;
        }

        await claimDurable.ConfigureAwait(false);
    }

    /// <summary>
    /// fsync of a spilled claim through its own handle (never reopened by path), and the wait for
    /// the fsync of claims/ that made its name durable (started when the file was created, usually
    /// long done). The file's fsync runs to its end whatever happens: the 250 or the 451 waits for it.
    /// </summary>
    private async Task MakeClaimDurableAsync(SpooledMessage spooled, CancellationToken cancellationToken)
    {
        var hook = BeforeClaimSync;
        var fileDurable = Task.Run(async () =>
        {
            if (hook is not null)
            {
                await hook(spooled.Path).ConfigureAwait(false);
            }

            spooled.SyncAndClose();
        }, CancellationToken.None);
        try
        {
            await spooled.EntryCreated.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await fileDurable.ConfigureAwait(false);
        }
    }

    /// <summary>The message octets of a small message: the header prefix, then the spool file, in one array.</summary>
    private static async Task<byte[]> ReadWithPrefixAsync(byte[] prefix, string path, CancellationToken cancellationToken)
    {
        if (prefix.Length == 0)
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }

        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        var bytes = new byte[prefix.Length + input.Length];
        prefix.CopyTo(bytes, 0);
        await input.ReadExactlyAsync(bytes.AsMemory(prefix.Length), cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    /// <summary>The bus message for a committed spool entry (also used by <see cref="SpoolRecovery"/>).</summary>
    internal async Task<MailReceived> ToSpooledMessageAsync(SpoolEnvelope entry, CancellationToken cancellationToken)
    {
        var message = new MailReceived
        {
            QueueId = entry.QueueId,
            ReversePath = entry.ReversePath,
            Recipients = entry.Recipients,
            ReceivedAt = entry.ReceivedAt,
            Size = entry.Size,
            ClientAddress = entry.ClientAddress,
            HeloName = entry.HeloName,
            AuthenticatedUser = entry.AuthenticatedUser,
            EnvelopeId = entry.EnvelopeId,
            DsnReturn = entry.DsnReturn,
            DsnNotify = entry.DsnNotify,
            OriginalRecipients = entry.OriginalRecipients,
        };
        if (facteurOptions.Value.Transport == FacteurTransport.InMemory)
        {
            if (entry.Size > InlineThreshold)
            {
                return message with { LargeContent = claims.ForSpoolEntry(entry.QueueId) };
            }
        }
        else
        {
            // Over RabbitMQ a kept entry's body is where the first publish put it: the .eml beside
            // the .env (small), or else the claim it pointed to (large; delivery may have deleted
            // it already, after the copy the broker did get, and recognises the redelivery).
            // Decided by what is on disk, not by the threshold, which may have changed since
            // (configuration, or the default of an upgraded gateway): a kept 100 KB entry of a
            // 64 KiB gateway has no .eml.
            if (!File.Exists(spool.MessagePath(entry.QueueId)))
            {
                return message with { LargeContent = claims.ForSpilled(entry.QueueId) };
            }
        }

        // Format 1 entries (an .env beside the .eml) kept the prefix in the envelope; format 2 has it in the file.
        var path = spool.MessagePath(entry.QueueId);
        if (File.Exists(spool.EnvelopePath(entry.QueueId)))
        {
            var prefix = entry.HeaderPrefix is { Length: > 0 } header ? Encoding.UTF8.GetBytes(header) : [];
            return message with { Content = await ReadWithPrefixAsync(prefix, path, cancellationToken).ConfigureAwait(false) };
        }

        return message with { Content = await SpoolTrailer.ReadContentAsync(path, formatTwo: true, cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// Publishes and waits for the broker's confirm within <see cref="BusOptions.PublishTimeout"/>.
    /// A confirm that does not come within <see cref="BusOptions.ConfirmTimeout"/> (the connection
    /// broke after the broker stored the message, or the broker is slow) makes the gateway publish
    /// the same message again — same queue id and message id, marked as a redelivery — on whatever
    /// connection MassTransit has by then; delivery names the Maildir file after the queue id, so a
    /// second copy in the queue lands on the file the first one wrote. When no attempt is confirmed
    /// in time, <see cref="MailIntakeUnavailableException.MayHaveReachedBroker"/> says whether any
    /// attempt got as far as a broker channel (MassTransit builds the message only once it has
    /// one). The SMTP session's Activity is current here, so MassTransit's send span (and the
    /// trace context in the message headers) continue its trace into delivery.
    /// </summary>
    internal async Task PublishAsync(MailReceived message, bool spoolEntry, CancellationToken cancellationToken, bool redelivery = false)
    {
        var options = busOptions.Value;
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(options.PublishTimeout);
        var messageId = MessageIdFor(message.QueueId);
        var handOver = new PublishHandOver();
        Exception? last = null;
        var confirmed = false;
        if (spoolEntry)
        {
            // Counted before the publish: the in-memory bus may start delivery before it returns.
            backlog.Published(message.QueueId);
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                using var confirm = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
                confirm.CancelAfter(options.ConfirmTimeout);
                var publish = bus.Publish(message, context =>
                {
                    var again = handOver.Next() > 1;
                    context.MessageId = messageId;
                    context.CorrelationId = messageId;
                    context.Durable = true;
                    context.Headers.Set("Facteur-QueueId", message.QueueId);
                    if (spoolEntry)
                    {
                        context.Headers.Set(FacteurQueues.SpoolHeader, "true");
                    }

                    if (redelivery || again)
                    {
                        context.Headers.Set(FacteurQueues.RedeliveryHeader, "true");
                    }
                }, confirm.Token);
                try
                {
                    // Bounded here: MassTransit does not always return when its token is cancelled
                    // (on a channel whose replies stopped it can wait for RabbitMQ's 20 s RPC timeout).
                    await publish.WaitAsync(confirm.Token).ConfigureAwait(false);
                    if (attempt > 1 || handOver.Count > 1)
                    {
                        LogConfirmedAfterRepublish(logger, message.QueueId, attempt);
                    }

                    confirmed = true;
                    return;
                }
                catch (Exception ex) when (ex is not MailIntakeUnavailableException)
                {
                    Forget(publish);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        throw;
                    }

                    last = ex;
                    if (overall.IsCancellationRequested)
                    {
                        break;
                    }

                    LogPublishAttemptFailed(logger, message.QueueId, attempt, handOver.Count > 0, ex);
                }

                try
                {
                    // A refused or broken connection fails at once: do not spin on it.
                    await Task.Delay(RepublishPause, overall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            handOver.Close();
            if (spoolEntry && !confirmed)
            {
                // Never reached delivery: it must not hold sessions back.
                backlog.Started(message.QueueId);
            }
        }

        var reached = handOver.Count > 0;
        LogPublishFailed(logger, message.QueueId, reached, last);
        throw new MailIntakeUnavailableException(
            reached ? "The message broker did not confirm the message in time." : "The message broker is unavailable.",
            last,
            mayHaveReachedBroker: reached);
    }

    /// <summary>An attempt given up on may still fault later; its exception is observed, not left to the finalizer.</summary>
    private static void Forget(Task publish) =>
        _ = publish.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>One message id per queue id: a re-publish (spool recovery) carries the same id, and traces and logs join on it.</summary>
    internal static Guid MessageIdFor(string queueId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("MailReceived\n" + queueId));
        return new Guid(hash.AsSpan(0, 16));
    }

    private static MailReceived ToMessage(Envelope envelope, long size) => new()
    {
        QueueId = envelope.QueueId,
        ReversePath = envelope.ReversePath,
        Recipients = envelope.Recipients,
        ReceivedAt = envelope.ReceivedAt,
        Size = size,
        ClientAddress = envelope.ClientAddress,
        HeloName = envelope.HeloName,
        AuthenticatedUser = envelope.AuthenticatedUser,
        EnvelopeId = envelope.EnvelopeId,
        DsnReturn = envelope.DsnReturn,
        DsnNotify = envelope.DsnNotify,
        OriginalRecipients = envelope.OriginalRecipients,
    };

    private void DeleteClaimQuietly(Uri claim)
    {
        try
        {
            claims.Delete(claim);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {QueueId} ({Size} octets, claim check: {ClaimCheck}) with broker confirm")]
    private static partial void LogPublished(ILogger logger, string queueId, long size, bool claimCheck);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spooled {QueueId} ({Size} octets) for in-process delivery")]
    private static partial void LogSpooled(ILogger logger, string queueId, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {QueueId} got no confirm within the publish timeout (may have reached the broker: {MayHaveReachedBroker})")]
    private static partial void LogPublishFailed(ILogger logger, string queueId, bool mayHaveReachedBroker, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish attempt {Attempt} of {QueueId} got no confirm (may have reached the broker: {MayHaveReachedBroker}); publishing it again")]
    private static partial void LogPublishAttemptFailed(ILogger logger, string queueId, int attempt, bool mayHaveReachedBroker, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{QueueId} confirmed by the broker after {Attempt} attempts (marked as a redelivery after the first)")]
    private static partial void LogConfirmedAfterRepublish(ILogger logger, string queueId, int attempt);
}
