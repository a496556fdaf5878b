using System.Text.Json;
using Facteur.Hosting.Bus;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Standalone host: the relay's own record beside a relay spool entry, <c>&lt;id&gt;.next</c>
/// (waiting, due at <see cref="DueAt"/>) or <c>&lt;id&gt;.inflight</c> (published, being tried).
/// Carries what the spool entry written by delivery does not: attempts, delay warning, DSN
/// parameters.
/// </summary>
internal sealed record RelayRetryState
{
    public required DateTimeOffset DueAt { get; init; }

    public int Attempts { get; init; }

    public bool DelayWarned { get; init; }

    public string? EnvelopeId { get; init; }

    public string? DsnReturn { get; init; }

    public IReadOnlyDictionary<string, string>? DsnNotify { get; init; }

    public IReadOnlyDictionary<string, string>? OriginalRecipients { get; init; }

    public static RelayRetryState? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RelayRetryState>(File.ReadAllBytes(path));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>tmp → fsync → rename, then the folder: the state is either the old or the new one after a crash.</summary>
    public void Write(string path)
    {
        var tmp = path + ".tmp";
        using (var output = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            output.Write(JsonSerializer.SerializeToUtf8Bytes(this));
            output.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        DurableFile.SyncDirectory(Path.GetDirectoryName(path)!);
    }
}
