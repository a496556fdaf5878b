using System.Security.Cryptography;
using System.Text;
using MassTransit;

namespace Facteur.Hosting.Bus;

/// <summary>
/// MassTransit's <see cref="IMessageDataRepository"/> on the shared volume: message bodies above
/// <see cref="BusOptions.InlineThreshold"/> are written to <c>{SpoolRoot}/claims/</c> (fsynced)
/// and only their address travels through the broker. Unlike MassTransit's file-system
/// repository it takes a large message as the gateway spools it (no second copy of a 25 MB body),
/// give copies deterministic names, and delete a claim once every copy is delivered.
/// <para>Addresses: <c>urn:facteur:claim:&lt;name&gt;</c> (claims folder) and
/// <c>urn:facteur:spool:&lt;queueid&gt;</c> (a standalone spool entry, owned by the spool).</para>
/// <para>A claim whose message faulted into an <c>_error</c> queue is moved to <c>claims/held/</c>
/// (<see cref="Hold"/>), where <see cref="ClaimSweeper"/> never looks: the message may wait there for
/// an operator longer than <see cref="BusOptions.ClaimRetention"/>. Its address does not change;
/// every lookup falls back to <c>held/</c>.</para>
/// </summary>
public sealed class ClaimCheckRepository(MailSpool spool) : IMessageDataRepository
{
    private const string ClaimPrefix = "urn:facteur:claim:";
    private const string SpoolPrefix = "urn:facteur:spool:";

    /// <summary>Claims the gateway spilled as format-2 spool files start with this letter (<c>m</c>: the same from earlier versions, without a trailer; <c>c</c>: a relay copy).</summary>
    private const string SpoolFilePrefix = "s";

    public Task<Stream> Get(Uri address, CancellationToken cancellationToken = default)
    {
        var path = PathOf(address);
        if (address.OriginalString.StartsWith(ClaimPrefix + SpoolFilePrefix, StringComparison.Ordinal))
        {
            // The gateway fsyncs a spilled claim while the broker stores its message and answers
            // 250 only once both are done: after a crash in between the broker may hold a message
            // whose claim never reached the disk whole. Its client got no 250 and sends it again;
            // this copy must never be delivered half (permanent: straight to _error, no retries).
            // The claim has its final name before the publish, so a missing one is the same case
            // (its directory entry never reached the disk): no retry can bring it back.
            Stream? verified;
            try
            {
                verified = SpoolTrailer.OpenVerifiedContent(path);
            }
            catch (FileNotFoundException ex)
            {
                throw new MessageDataException($"Claim {address} is missing: it was never made durable, or every copy was delivered already.", ex);
            }

            return Task.FromResult(verified
                ?? throw new MessageDataException($"Claim {address} is incomplete (footer or hash): it was never made durable, so its message was never accepted."));
        }

        return Task.FromResult(SpoolTrailer.OpenContent(path, IsSpoolFile(address)));
    }

    public async Task<Uri> Put(Stream stream, TimeSpan? timeToLive = default, CancellationToken cancellationToken = default)
    {
        var name = Guid.NewGuid().ToString("N");
        await WriteAsync(stream, name, cancellationToken).ConfigureAwait(false);
        return new Uri(ClaimPrefix + name);
    }

    /// <summary>
    /// Where the gateway writes a large message that becomes its own claim: a format-2 spool file
    /// (<see cref="SpoolTrailer"/>: message, header prefix, footer) created in the claims folder
    /// under its final name while the message arrives, so its directory entry can be made durable
    /// before the message ends and no rename is left to make durable after it. Its address reaches
    /// the broker only once the trailer is written, but possibly before the file's fsync has
    /// finished, so <see cref="Get"/> verifies such a claim's footer and hash before anyone reads it.
    /// Readers get prefix + message.
    /// </summary>
    public string SpillPath(string queueId) => Path.Combine(spool.Claims, SpilledName(queueId));

    /// <summary>
    /// The claim written at <see cref="SpillPath"/> for <paramref name="queueId"/> (its name derives from
    /// the queue id): the gateway's message points to it, and so does a message kept after an
    /// unconfirmed publish.
    /// </summary>
    public MessageData<Stream> ForSpilled(string queueId) =>
        new ClaimedContent(new Uri(ClaimPrefix + SpilledName(queueId)), this);

    private static string SpilledName(string queueId) => SpoolFilePrefix + MailSpool.CheckedQueueId(queueId);

    /// <summary>A reference to a standalone spool entry's message file (which the spool deletes, not the claim check).</summary>
    public MessageData<Stream> ForSpoolEntry(string queueId) =>
        new ClaimedContent(new Uri(SpoolPrefix + MailSpool.CheckedQueueId(queueId)), this);

    /// <summary>
    /// Copies a claim under a name derived from <paramref name="key"/> (e.g. queue id + relay
    /// domain): a redelivered message overwrites the same file instead of leaking another one.
    /// </summary>
    public async Task<MessageData<Stream>> CopyAsync(Uri source, string key, CancellationToken cancellationToken)
    {
        var name = "c" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16);
        if (Exists(new Uri(ClaimPrefix + name)))
        {
            // An earlier attempt made it (written by rename, so it is complete); the source may be gone since.
            return new ClaimedContent(new Uri(ClaimPrefix + name), this);
        }

        await using (var input = await Get(source, cancellationToken).ConfigureAwait(false))
        {
            await WriteAsync(input, name, cancellationToken).ConfigureAwait(false);
        }

        return new ClaimedContent(new Uri(ClaimPrefix + name), this);
    }

    /// <summary>Deletes a claim once every copy is delivered. Spool addresses are left to the spool.</summary>
    public void Delete(Uri address)
    {
        if (address.OriginalString.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            File.Delete(PathOf(address));
        }
    }

    public bool Exists(Uri address) => File.Exists(PathOf(address));

    /// <summary>
    /// Whether the file behind an address is a spool file whose content is prefix + message: a
    /// spilled format-2 claim, or a standalone spool entry without the format-1 envelope file.
    /// Other claims (copies, <see cref="Put"/>) hold exactly the content: their last octets are the
    /// sender's and are never taken for a footer.
    /// </summary>
    private bool IsSpoolFile(Uri address)
    {
        var text = address.OriginalString;
        if (text.StartsWith(ClaimPrefix + SpoolFilePrefix, StringComparison.Ordinal))
        {
            return true;
        }

        return text.StartsWith(SpoolPrefix, StringComparison.Ordinal)
            && !File.Exists(spool.EnvelopePath(text[SpoolPrefix.Length..]));
    }

    /// <summary>
    /// The claim-check address of a message's body, or null: with message data enabled MassTransit
    /// hands a consumer an empty placeholder (whose Address throws) instead of null for an absent claim.
    /// </summary>
    public static Uri? AddressOf(MessageData<Stream>? data)
    {
        if (data is null || !data.HasValue)
        {
            return null;
        }

        try
        {
            return data.Address;
        }
        catch (MessageDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves a claim into <c>claims/held/</c> because its message faulted into an <c>_error</c> queue:
    /// an operator may move the message back after any time, and the body must still be there.
    /// Returns false for a spool address or a claim that is not (or no longer) in <c>claims/</c>.
    /// Both folders are fsynced: after a crash the claim is in one of them, and either is found.
    /// </summary>
    public bool Hold(Uri address)
    {
        if (!address.OriginalString.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = CheckedName(address.OriginalString[ClaimPrefix.Length..]);
        var source = Path.Combine(spool.Claims, name);
        if (!File.Exists(source))
        {
            return false;
        }

        DurableFile.CreateDirectory(spool.HeldClaims);
        try
        {
            File.Move(source, Path.Combine(spool.HeldClaims, name), overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // Delivered and deleted by another worker in between (a duplicate publish): nothing to keep.
            return false;
        }

        DurableFile.SyncDirectory(spool.HeldClaims);
        DurableFile.SyncDirectory(spool.Claims);
        return true;
    }

    /// <summary>
    /// Marks a claim as still in use (its modification time becomes now), so that
    /// <see cref="BusOptions.ClaimRetention"/> counts from its last use: the relay calls this for
    /// each retry it schedules, however long <c>Relay:MaxLifetime</c> is.
    /// </summary>
    public void Refresh(Uri address)
    {
        if (!address.OriginalString.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            return;
        }

        // Not fsynced: a time lost in a crash only brings the sweep back to the claim's first use.
        try
        {
            File.SetLastWriteTimeUtc(PathOf(address), DateTime.UtcNow);
        }
        catch (FileNotFoundException)
        {
            // Gone already (delivered by a duplicate): nothing left to keep.
        }
    }

    /// <summary>The file behind an address: in <c>claims/</c>, else in <c>claims/held/</c> if it is there.</summary>
    internal string PathOf(Uri address)
    {
        var text = address.OriginalString;
        if (text.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            var name = CheckedName(text[ClaimPrefix.Length..]);
            var path = Path.Combine(spool.Claims, name);
            if (!File.Exists(path) && Path.Combine(spool.HeldClaims, name) is var held && File.Exists(held))
            {
                return held;
            }

            return path;
        }

        if (text.StartsWith(SpoolPrefix, StringComparison.Ordinal))
        {
            return spool.MessagePath(text[SpoolPrefix.Length..]);
        }

        throw new MessageDataException($"Not a Facteur claim-check address: {text}");
    }

    private async Task WriteAsync(Stream input, string name, CancellationToken cancellationToken)
    {
        spool.EnsureCreated();
        var final = Path.Combine(spool.Claims, name);
        var tmp = final + ".tmp" + Environment.ProcessId;
        try
        {
            await using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                await input.CopyToAsync(output, 64 * 1024, cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            DurableFile.MoveDurably(tmp, final);
        }
        catch
        {
            DurableFile.TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Claim names are generated here; anything else in an address is refused (no path tricks through the bus).</summary>
    private static string CheckedName(string name)
    {
        if (name.Length is 0 or > 80 || !name.All(char.IsAsciiLetterOrDigit))
        {
            throw new MessageDataException($"Bad claim-check name: {name}");
        }

        return name;
    }

    private sealed class ClaimedContent(Uri address, ClaimCheckRepository repository) : MessageData<Stream>
    {
        public Uri Address { get; } = address;

        public bool HasValue => true;

        public Task<Stream> Value => repository.Get(Address);
    }
}
