namespace Facteur.Hosting.Bus;

/// <summary>
/// The spool folders under <c>Facteur:SpoolRoot</c>:
/// <list type="bullet">
/// <item><c>incoming/&lt;queueid&gt;.eml</c>: a message while the SMTP session streams it; in the
/// standalone host also the durable entry until delivery completes: format 2 (<see cref="SpoolTrailer"/>)
/// holds message, header prefix and envelope in this one file, committed when its footer checks out.</item>
/// <item><c>incoming/&lt;queueid&gt;.env</c>: format 1 only (earlier versions): the envelope (JSON),
/// whose presence marked a committed entry; still recovered.</item>
/// <item><c>claims/&lt;name&gt;</c>: claim-check bodies of large messages (<c>s…</c>: a format-2 spool file).</item>
/// <item><c>claims/held/&lt;name&gt;</c>: claims whose message faulted into an <c>_error</c> queue, never swept.</item>
/// </list>
/// </summary>
public sealed class MailSpool
{
    public MailSpool(string spoolRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(spoolRoot);
        Root = Path.GetFullPath(spoolRoot);
        Incoming = Path.Combine(Root, "incoming");
        Claims = Path.Combine(Root, "claims");
        HeldClaims = Path.Combine(Claims, "held");
    }

    public string Root { get; }

    public string Incoming { get; }

    public string Claims { get; }

    public string HeldClaims { get; }

    public string MessagePath(string queueId) => Path.Combine(Incoming, CheckedQueueId(queueId) + ".eml");

    public string EnvelopePath(string queueId) => Path.Combine(Incoming, CheckedQueueId(queueId) + ".env");

    /// <summary>Removes a standalone spool entry once every copy is durable: envelope first, so a crash in between leaves only an orphan body, never a half entry that would be re-published.</summary>
    public void Complete(string queueId)
    {
        var envelope = EnvelopePath(queueId);
        if (File.Exists(envelope))
        {
            File.Delete(envelope);
            DurableFile.SyncDirectory(Incoming);
        }

        File.Delete(MessagePath(queueId));
    }

    /// <summary>fsync of <c>incoming/</c>: makes renames and new entries in it durable.</summary>
    public void SyncIncoming() => DurableFile.SyncDirectory(Incoming);

    /// <summary>Committed format-1 entries (those with an <c>.env</c>), oldest first.</summary>
    public IEnumerable<string> CommittedQueueIds() =>
        Directory.Exists(Incoming)
            ? new DirectoryInfo(Incoming).EnumerateFiles("*.env").OrderBy(f => f.LastWriteTimeUtc).Select(f => Path.GetFileNameWithoutExtension(f.Name))
            : [];

    public void EnsureCreated()
    {
        DurableFile.CreateDirectory(Incoming);
        DurableFile.CreateDirectory(Claims);
    }

    /// <summary>Queue ids become file names: only letters and digits.</summary>
    public static string CheckedQueueId(string queueId)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        if (queueId.Length > 64 || !queueId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"Queue id '{queueId}' is not alphanumeric.", nameof(queueId));
        }

        return queueId;
    }
}
