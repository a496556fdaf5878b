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
/// otherwise by claim check: the spool file gets its trailer (the header prefix) and is renamed
/// into the claims folder, never copied or loaded) and waits for the publisher confirm at most
/// <see cref="BusOptions.PublishTimeout"/>. No confirm → <see cref="MailIntakeUnavailableException"/>
/// (451 4.3.0) and nothing is left behind.</item>
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
    ILogger<MailIntake> logger) : IMailIntake
{
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
        // Standalone: the file is the spool entry. Its directory entry must be durable before the
        // 250 (POSIX: only an fsync of the directory makes a new name durable); that fsync starts
        // now and runs while the client sends the message, so the commit waits for one fsync, the
        // file's, as Postfix's cleanup does. Sessions starting together share it (group commit).
        var entryCreated = facteurOptions.Value.Transport == FacteurTransport.InMemory
            ? DirectorySync.FsyncAsync(spool.Incoming, CancellationToken.None)
            : null;
        return ValueTask.FromResult<ISpooledMessage>(new SpooledMessage(queueId, path, file, entryCreated));
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
        try
        {
            if (large)
            {
                // A claim must be durable before the broker has its address: the spool file gets
                // its trailer (the header prefix goes after the message, not in a second copy),
                // is renamed into claims/, then the file and claims/ are fsynced at the same time.
                await spooled.SealAsync([], fsync: false, cancellationToken).ConfigureAwait(false);
                var (content, claimPath) = claims.AdoptSpoolFile(spooled.Path, envelope.QueueId);
                claim = content.Address;
                await MakeClaimDurableAsync(claimPath, cancellationToken).ConfigureAwait(false);
                received = ToMessage(envelope, size) with { LargeContent = content };
            }
            else
            {
                spooled.Close(fsync: false);
                received = ToMessage(envelope, size) with { Content = await ReadWithPrefixAsync(prefix, spooled.Path, cancellationToken).ConfigureAwait(false) };
            }

            await PublishAsync(received, spoolEntry: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
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

        if (!large)
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
            // One file, one fsync: the envelope and the header prefix go after the message
            // (SpoolTrailer), and the footer's hash makes the entry committed only once all of it
            // is on disk. The directory entry's fsync started when the file was created.
            size = prefix.Length + spooled.Length;
            var entry = SpoolEnvelope.From(envelope, size);
            await spooled.SealAsync(entry.ToJson(), fsync: true, cancellationToken).ConfigureAwait(false);
            await spooled.EntryCreated.WaitAsync(cancellationToken).ConfigureAwait(false);
            var received = size > busOptions.Value.InlineThreshold
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

    /// <summary>fsync of an adopted claim file and of the claims folder (its new name) at the same time: the file system can serve both with one journal commit.</summary>
    private async Task MakeClaimDurableAsync(string path, CancellationToken cancellationToken)
    {
        var fileDurable = Task.Run(() =>
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 0);
            file.Flush(flushToDisk: true);
        }, CancellationToken.None);
        try
        {
            await DirectorySync.FsyncAsync(spool.Claims, cancellationToken).ConfigureAwait(false);
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
        if (entry.Size > busOptions.Value.InlineThreshold)
        {
            return message with { LargeContent = claims.ForSpoolEntry(entry.QueueId) };
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
    /// Publishes and waits for the broker's confirm within the publish timeout. The SMTP
    /// session's Activity is current here, so MassTransit's send span (and the trace context in
    /// the message headers) continue its trace into delivery.
    /// </summary>
    internal async Task PublishAsync(MailReceived message, bool spoolEntry, CancellationToken cancellationToken, bool redelivery = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(busOptions.Value.PublishTimeout);
        var messageId = MessageIdFor(message.QueueId);
        try
        {
            await bus.Publish(message, context =>
            {
                context.MessageId = messageId;
                context.CorrelationId = messageId;
                context.Durable = true;
                context.Headers.Set("Facteur-QueueId", message.QueueId);
                if (spoolEntry)
                {
                    context.Headers.Set(FacteurQueues.SpoolHeader, "true");
                }

                if (redelivery)
                {
                    context.Headers.Set(FacteurQueues.RedeliveryHeader, "true");
                }
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(logger, message.QueueId, ex);
            throw new MailIntakeUnavailableException("The message broker did not confirm the message in time.", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not MailIntakeUnavailableException)
        {
            LogPublishFailed(logger, message.QueueId, ex);
            throw new MailIntakeUnavailableException("The message broker is unavailable.", ex);
        }
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {QueueId} failed; the client will be told to retry")]
    private static partial void LogPublishFailed(ILogger logger, string queueId, Exception exception);
}
