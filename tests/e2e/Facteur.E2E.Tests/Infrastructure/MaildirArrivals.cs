using System.Collections.Concurrent;
using System.Globalization;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// When each message file appeared in a <c>new/</c> folder under the mail root, seen through
/// inotify (a recursive <see cref="FileSystemWatcher"/>): delivery writes in <c>tmp/</c> and
/// renames into <c>new/</c>, so the rename is the moment the message is in the Maildir. The time
/// is taken when the event reaches this process, so it is late by the watcher's own delay (an
/// upper bound on the latency, never an early one). File modification times cannot serve: they
/// are the last write into <c>tmp/</c>, before the fsync and the rename, and the kernel stamps
/// them with a coarse clock.
/// </summary>
internal sealed class MaildirArrivals : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly ConcurrentDictionary<string, DateTime> _arrivals = new(StringComparer.Ordinal);
    private int _overflows;

    public MaildirArrivals(string mailRoot)
    {
        _watcher = new FileSystemWatcher(mailRoot)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
            InternalBufferSize = 64 * 1024, // the largest inotify read buffer: thousands of renames a minute
        };
        _watcher.Created += (_, e) => Seen(e.FullPath);
        _watcher.Renamed += (_, e) => Seen(e.FullPath);
        _watcher.Error += (_, _) => Interlocked.Increment(ref _overflows);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Times the watcher lost events (its buffer overflowed): the files it missed have no arrival time.</summary>
    public int Overflows => _overflows;

    /// <summary>When the file (by its Maildir unique name, flags stripped) appeared in new/, if the watcher saw it.</summary>
    public DateTime? ArrivalOf(string path) =>
        _arrivals.TryGetValue(UniqueName(path), out var at) ? at : null;

    /// <summary>
    /// The gateway's end-of-DATA time, which delivery writes into the file name
    /// (<c>&lt;unix seconds&gt;.M&lt;microseconds&gt;Q…</c>, see MaildirFileName): the same clock as
    /// <see cref="ArrivalOf"/> (one machine), at microsecond resolution.
    /// </summary>
    public static DateTime? ReceivedAtOf(string path)
    {
        var name = Path.GetFileName(path);
        var dot = name.IndexOf(".M", StringComparison.Ordinal);
        var q = name.IndexOf('Q', Math.Max(dot, 0));
        if (dot <= 0 || q < 0
            || !long.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !long.TryParse(name.AsSpan(dot + 2, q - dot - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var micros))
        {
            return null;
        }

        return DateTime.UnixEpoch.AddTicks((seconds * 1_000_000 + micros) * 10);
    }

    public void Dispose() => _watcher.Dispose();

    private void Seen(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(path));
        if (folder == "new")
        {
            _arrivals.TryAdd(UniqueName(path), DateTime.UtcNow);
        }
    }

    private static string UniqueName(string path) => Path.GetFileName(path).Split(':')[0].Split(',')[0];
}
