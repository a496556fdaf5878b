using Facteur.Hosting.Bus;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Ids of relay commands already finished, as empty files in <c>{SpoolRoot}/relay-done/</c> (on
/// the shared volume, so every worker sees them). Swept after <see cref="Retention"/> by
/// <see cref="RelaySpoolPump"/>.
/// </summary>
internal sealed class RelayDoneRecord(MailSpool spool)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public string Folder => Path.Combine(spool.Root, "relay-done");

    public bool Contains(Guid id) => File.Exists(Path.Combine(Folder, id.ToString("N")));

    public void Add(Guid id)
    {
        Directory.CreateDirectory(Folder);
        using (File.Create(Path.Combine(Folder, id.ToString("N"))))
        {
        }
    }

    public void Sweep(DateTime olderThanUtc)
    {
        if (!Directory.Exists(Folder))
        {
            return;
        }

        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < olderThanUtc)
            {
                file.Delete();
            }
        }
    }
}
