using System.Text.Json;
using Facteur.Contracts;

namespace Facteur.Hosting.Bus;

/// <summary>
/// Where <see cref="RelayMail"/> waits durably in the standalone host. Over RabbitMQ a relay
/// command waits in the durable <c>relay</c> queue; the in-memory bus forgets it on a crash (and
/// drops it while no relay consumer exists), so delivery also writes it here before acking:
/// <c>{SpoolRoot}/relay/&lt;messageid&gt;.eml</c> (the message) and <c>&lt;messageid&gt;.json</c> (the
/// command without content, the commit point). The message id is deterministic per (queue id,
/// domain), so a redelivery finds the entry instead of adding one. The relay deletes an entry
/// once the remote MX has accepted (or bounced) it.
/// </summary>
public sealed class RelaySpool(MailSpool spool)
{
    public string Folder => Path.Combine(spool.Root, "relay");

    public string EntryPath(Guid messageId) => Path.Combine(Folder, messageId.ToString("N") + ".json");

    public string MessagePath(Guid messageId) => Path.Combine(Folder, messageId.ToString("N") + ".eml");

    public bool Contains(Guid messageId) => File.Exists(EntryPath(messageId));

    /// <summary>Writes the entry durably (message, then command, each tmp → fsync → rename, then the folder fsync).</summary>
    public async Task WriteAsync(RelayMail relay, Guid messageId, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(relay);
        DurableFile.CreateDirectory(Folder);
        await WriteFileAsync(MessagePath(messageId), output => content.CopyToAsync(output, 64 * 1024, cancellationToken), cancellationToken).ConfigureAwait(false);
        var entry = new RelaySpoolEntry
        {
            MessageId = messageId,
            QueueId = relay.QueueId,
            ReversePath = relay.ReversePath,
            Domain = relay.Domain,
            Recipients = relay.Recipients,
            ReceivedAt = relay.ReceivedAt,
            Size = relay.Size,
        };
        await WriteFileAsync(EntryPath(messageId), output => output.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(entry), cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
        DurableFile.SyncDirectory(Folder);
    }

    /// <summary>Committed entries (for the relay, or an operator).</summary>
    public IEnumerable<RelaySpoolEntry> Entries()
    {
        if (!Directory.Exists(Folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
        {
            var entry = JsonSerializer.Deserialize<RelaySpoolEntry>(File.ReadAllBytes(file));
            if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Removes an entry once relayed: command first, so a crash in between leaves an orphan body, not a half entry.</summary>
    public void Remove(Guid messageId)
    {
        File.Delete(EntryPath(messageId));
        File.Delete(MessagePath(messageId));
    }

    private static async Task WriteFileAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var tmp = path + ".tmp";
        try
        {
            await using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await write(output).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            DurableFile.TryDelete(tmp);
            throw;
        }
    }
}

/// <summary>A relay command as spooled (its message is the <c>.eml</c> beside it).</summary>
public sealed record RelaySpoolEntry
{
    public required Guid MessageId { get; init; }

    public required string QueueId { get; init; }

    public required string ReversePath { get; init; }

    public required string Domain { get; init; }

    public required IReadOnlyList<string> Recipients { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required long Size { get; init; }
}
