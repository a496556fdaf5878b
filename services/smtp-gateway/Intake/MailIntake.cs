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
/// Spools each message to disk while the session receives it, then makes it durable before
/// the session may answer 250 (DESIGN.md promise 1):
/// <list type="bullet">
/// <item>RabbitMQ: publishes <see cref="MailReceived"/> (inline up to <see cref="BusOptions.InlineThreshold"/>,
/// otherwise by claim check: the spool file is renamed into the claims folder, never copied or
/// loaded) and waits for the publisher confirm at most <see cref="BusOptions.PublishTimeout"/>.
/// A confirm that does not come is waited for by publishing again (<see cref="PublishAsync"/>). No
/// confirm within the timeout and the broker never reached → <see cref="MailIntakeUnavailableException"/>
/// (451 4.3.0) and nothing is left behind; reached but never confirmed → the message is kept in the
/// spool, 250, and <see cref="UnconfirmedRepublisher"/> publishes it again (MailIntake.Unconfirmed.cs).</item>
/// <item>In-memory (standalone): the in-memory bus forgets everything on a crash, so the message
/// and its envelope are fsynced as a spool entry first; delivery deletes the entry when every copy
/// is durable and <see cref="SpoolRecovery"/> publishes unfinished entries again at start.</item>
/// </list>
/// </summary>
internal sealed partial class MailIntake(
    MailSpool spool,
    ClaimCheckRepository claims,
    IBus bus,
    IOptions<BusOptions> busOptions,
    IOptions<FacteurOptions> facteurOptions,
    ILogger<MailIntake> logger) : IMailIntake
{
    /// <summary>The pause between two publish attempts after one failed before its confirm timeout.</summary>
    private static readonly TimeSpan RepublishPause = TimeSpan.FromMilliseconds(250);

    public ValueTask<ISpooledMessage> BeginAsync(string queueId, CancellationToken cancellationToken)
    {
        spool.EnsureCreated();
        var path = spool.MessagePath(queueId);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
            Options = FileOptions.Asynchronous,
        });
        return ValueTask.FromResult<ISpooledMessage>(new SpooledMessage(queueId, path, file));
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
        var threshold = busOptions.Value.InlineThreshold;
        var prefix = spooled.HeaderPrefix ?? [];
        var size = prefix.Length + spooled.Length;
        var large = size > threshold;

        spooled.Committed = true;
        MailReceived received;
        Uri? claim = null;
        string? merged = null;
        try
        {
            // A claim must be on disk before the broker has its address. With a header prefix the
            // claim is a new file (prefix + content, fsynced once), so the spool file needs no fsync.
            spooled.Close(fsync: large && prefix.Length == 0);
            if (large)
            {
                var source = spooled.Path;
                if (prefix.Length > 0)
                {
                    merged = await WriteMergedAsync(prefix, spooled.Path, cancellationToken).ConfigureAwait(false);
                    source = merged;
                }

                var content = claims.Adopt(source, envelope.QueueId);
                claim = content.Address;
                received = ToMessage(envelope, size) with { LargeContent = content };
            }
            else
            {
                received = ToMessage(envelope, size) with { Content = await ReadWithPrefixAsync(prefix, spooled.Path, cancellationToken).ConfigureAwait(false) };
            }

            await PublishAsync(received, spoolEntry: false, cancellationToken).ConfigureAwait(false);
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
            if (merged is not null)
            {
                DeleteQuietly(merged);
            }

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

        if (!large || merged is not null)
        {
            DeleteQuietly(spooled.Path);
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
            // Small messages (the common case) keep their header prefix in the envelope, which is
            // fsynced anyway: the body is written and fsynced once. A message above the inline
            // threshold is read by claim check straight from the .eml, so the prefix must be in
            // the file: it is rewritten (prefix + content, fsynced) and the first copy is not fsynced.
            size = prefix.Length + spooled.Length;
            var merge = prefix.Length > 0 && size > busOptions.Value.InlineThreshold;
            Task bodyDurable;
            if (merge)
            {
                spooled.Close(fsync: false);
                var merged = await WriteMergedAsync(prefix, spooled.Path, cancellationToken).ConfigureAwait(false);
                File.Move(merged, spooled.Path, overwrite: true);
                bodyDurable = Task.CompletedTask;
            }
            else
            {
                // The body's fsync runs while the envelope is written and fsynced: both must be
                // durable before the envelope's rename commits the entry, neither needs the other
                // first, and the file system can serve both with one journal commit (one fsync of
                // wait before the 250 instead of two in a row).
                bodyDurable = Task.Run(() => spooled.Close(fsync: true), CancellationToken.None);
            }

            var spoolEnvelope = SpoolEnvelope.From(envelope, size) with
            {
                HeaderPrefix = prefix.Length > 0 && !merge ? Encoding.UTF8.GetString(prefix) : null,
            };
            await WriteEnvelopeAsync(spoolEnvelope, bodyDurable, cancellationToken).ConfigureAwait(false);
            var received = await ToSpooledMessageAsync(spoolEnvelope, cancellationToken).ConfigureAwait(false);
            await PublishAsync(received, spoolEntry: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not published: answer 451 and forget the entry, so the client's retry is the only copy.
            DeleteQuietly(spool.EnvelopePath(envelope.QueueId));
            DeleteQuietly(spooled.Path);
            DeleteQuietly(spooled.Path + ".merged");
            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new MailIntakeUnavailableException("The spool is unavailable.", ex);
            }

            throw;
        }

        LogSpooled(logger, envelope.QueueId, size);
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

    /// <summary><c>&lt;path&gt;.merged</c>: the header prefix then the spooled octets, streamed and fsynced (large messages only).</summary>
    private static async Task<string> WriteMergedAsync(byte[] prefix, string path, CancellationToken cancellationToken)
    {
        var merged = path + ".merged";
        await using (var output = new FileStream(merged, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            await output.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
            await using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous))
            {
                await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            output.Flush(flushToDisk: true);
        }

        return merged;
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
        if (entry.Size > busOptions.Value.InlineThreshold)
        {
            // Over RabbitMQ a kept entry's body is the claim the first publish pointed to.
            return message with
            {
                LargeContent = facteurOptions.Value.Transport == FacteurTransport.InMemory
                    ? claims.ForSpoolEntry(entry.QueueId)
                    : claims.ForAdopted(entry.QueueId),
            };
        }

        var prefix = entry.HeaderPrefix is { Length: > 0 } header ? Encoding.UTF8.GetBytes(header) : [];
        return message with { Content = await ReadWithPrefixAsync(prefix, spool.MessagePath(entry.QueueId), cancellationToken).ConfigureAwait(false) };
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

    private async Task WriteEnvelopeAsync(SpoolEnvelope entry, Task bodyDurable, CancellationToken cancellationToken)
    {
        var final = spool.EnvelopePath(entry.QueueId);
        var tmp = final + ".tmp";
        try
        {
            await using var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.None);
            file.Write(entry.ToJson());
            file.Flush(flushToDisk: true);
        }
        finally
        {
            // Never leave with the body's fsync still running (the caller may delete the file).
            await bodyDurable.ConfigureAwait(false);
        }

        // The rename is the commit point of the entry; the directory fsync makes the .eml and .env
        // entries durable. It is a group commit: sessions committing at the same time share one.
        File.Move(tmp, final, overwrite: true);
        await DirectorySync.FsyncAsync(spool.Incoming, cancellationToken).ConfigureAwait(false);
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
