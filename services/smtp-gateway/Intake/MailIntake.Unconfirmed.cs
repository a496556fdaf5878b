using System.Text;
using Facteur.Hosting.Bus;
using Facteur.MailStore;
using Microsoft.Extensions.Logging;

namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// A message whose publish reached a broker channel but was never confirmed within
/// <see cref="BusOptions.PublishTimeout"/> (the broker went away after it may have stored it).
/// <para>Why 250 with the message kept, and not 451: after such a publish the gateway cannot know
/// whether the broker holds the message. A 451 makes the client send it again (RFC 5321
/// §4.5.4.1) under a new queue id, and if the broker did store the first publish the mailbox gets
/// two copies that nothing can tell apart; nor can the gateway withdraw a message from a broker it
/// cannot reach. Keeping the message durably in the spool and answering 250 takes responsibility for
/// it (RFC 5321 §6.1), as Postfix does once its queue file is fsynced: <see cref="UnconfirmedRepublisher"/>
/// publishes it again — same queue id, marked as a redelivery — until the broker confirms, and
/// delivery's file name per queue id makes the broker's copies one. So: nothing lost, no duplicate.
/// A publish that never reached a channel (broker down or unreachable) still gets 451 with nothing
/// kept (DESIGN.md promise 1): the gateway does not become a queue for a broker that is away.</para>
/// </summary>
internal sealed partial class MailIntake
{
    /// <summary>
    /// Makes the spooled message a committed spool entry (body fsynced, then the envelope written
    /// atomically). A small message keeps its <c>.eml</c> and header prefix as the standalone host
    /// did before spool format 2 (an <c>.eml</c> with an <c>.env</c> beside it, which recovery and
    /// <see cref="UnconfirmedRepublisher"/> read); a large one's body is already the durable claim
    /// <c>s&lt;queueid&gt;</c> (<see cref="ClaimCheckRepository.SpillPath"/>). Returns false
    /// when the spool cannot take it (the caller then answers 451 and cleans up).
    /// </summary>
    private async Task<bool> TryKeepUnconfirmedAsync(Envelope envelope, SpooledMessage spooled, byte[] prefix, long size, bool large)
    {
        try
        {
            if (large)
            {
                // The claim holds the whole message (the header prefix in its trailer) and is
                // durable: the kept entry points to it (ToSpooledMessageAsync).
            }
            else if (spooled.InMemory)
            {
                // Published from memory: the kept entry's body file is written now, and fsynced
                // (its name with the envelope's, by WriteKeptEnvelopeAsync's directory fsync).
                await using var body = new FileStream(spool.MessagePath(envelope.QueueId), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
                body.Write(spooled.Buffered);
                body.Flush(flushToDisk: true);
            }
            else
            {
                throw new InvalidOperationException("A spilled message travels by claim check.");
            }

            var entry = SpoolEnvelope.From(envelope, size) with
            {
                HeaderPrefix = !large && prefix.Length > 0 ? Encoding.UTF8.GetString(prefix) : null,
            };

            // Not the session's token: the 250 depends on this write finishing, and it is short.
            await WriteKeptEnvelopeAsync(entry).ConfigureAwait(false);
            LogKeptUnconfirmed(logger, envelope.QueueId, size);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(spool.EnvelopePath(envelope.QueueId) + ".tmp");
            LogKeepFailed(logger, envelope.QueueId, ex);
            return false;
        }
    }

    /// <summary>Writes the envelope atomically beside the message: the rename is the entry's commit point, the directory fsync makes both names durable.</summary>
    private async Task WriteKeptEnvelopeAsync(SpoolEnvelope entry)
    {
        var final = spool.EnvelopePath(entry.QueueId);
        var tmp = final + ".tmp";
        await using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.None))
        {
            file.Write(entry.ToJson());
            file.Flush(flushToDisk: true);
        }

        File.Move(tmp, final, overwrite: true);
        await DirectorySync.FsyncAsync(spool.Incoming, CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId} ({Size} octets) was sent to the broker but never confirmed; kept in the spool and accepted, it will be published again")]
    private static partial void LogKeptUnconfirmed(ILogger logger, string queueId, long size);

    [LoggerMessage(Level = LogLevel.Error, Message = "{QueueId} was sent to the broker but never confirmed, and the spool could not keep it; the client will be told to retry")]
    private static partial void LogKeepFailed(ILogger logger, string queueId, Exception exception);
}
