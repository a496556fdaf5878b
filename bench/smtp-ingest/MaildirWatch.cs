using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Facteur.Bench.SmtpIngest;

/// <summary>
/// Notices each message file arriving in a new/ folder under the mail root and matches it to its
/// message by the token in its Subject. inotify (FileSystemWatcher) gives the arrival time; a
/// scan every second catches whatever the watcher missed (buffer overflow, folders created late).
/// </summary>
internal sealed class MaildirWatch : IDisposable
{
    private readonly string mailRoot;
    private readonly MessageFactory messages;
    private readonly FileSystemWatcher watcher;
    private readonly ConcurrentQueue<(string Path, long SeenAt)> arrivals = new();
    private readonly HashSet<string> examined = new(StringComparer.Ordinal);
    private readonly long[] deliveredAt;
    private int delivered;
    private int duplicates;
    private int foreign;

    public MaildirWatch(string mailRoot, MessageFactory messages, int count)
    {
        this.mailRoot = mailRoot;
        this.messages = messages;
        deliveredAt = new long[count];
        Directory.CreateDirectory(mailRoot);
        watcher = new FileSystemWatcher(mailRoot)
        {
            IncludeSubdirectories = true,
            InternalBufferSize = 64 * 1024,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
        };
        watcher.Created += (_, e) => Arrived(e.FullPath);
        watcher.Renamed += (_, e) => Arrived(e.FullPath);
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Stopwatch timestamp when each message was first seen in new/, 0 if not (yet).</summary>
    public long[] DeliveredAt => deliveredAt;

    public int Delivered => Volatile.Read(ref delivered);

    public int Duplicates => Volatile.Read(ref duplicates);

    /// <summary>Files that carry no token of this run (bounces, leftovers from another run).</summary>
    public int Foreign => Volatile.Read(ref foreign);

    /// <summary>Processes arrivals until <paramref name="done"/> says so or the token is cancelled.</summary>
    public async Task RunAsync(Func<bool> done, CancellationToken cancellationToken)
    {
        var lastScan = Stopwatch.GetTimestamp();
        while (!done() && !cancellationToken.IsCancellationRequested)
        {
            Drain();
            if (Stopwatch.GetElapsedTime(lastScan) > TimeSpan.FromSeconds(1))
            {
                Scan();
                Drain();
                lastScan = Stopwatch.GetTimestamp();
            }

            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Scan();
        Drain();
    }

    public void Dispose() => watcher.Dispose();

    private void Arrived(string path)
    {
        if (IsInNew(path))
        {
            arrivals.Enqueue((path, Stopwatch.GetTimestamp()));
        }
    }

    private void Scan()
    {
        var now = Stopwatch.GetTimestamp();
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(mailRoot, "new", SearchOption.AllDirectories))
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    if (!examined.Contains(file))
                    {
                        arrivals.Enqueue((file, now));
                    }
                }
            }
        }
        catch (IOException)
        {
        }
    }

    private void Drain()
    {
        while (arrivals.TryDequeue(out var arrival))
        {
            if (examined.Contains(arrival.Path) || !TryReadToken(arrival.Path, out var token))
            {
                continue; // already counted, or unreadable for now: the next scan brings it back
            }

            examined.Add(arrival.Path);
            var index = token is null ? -1 : messages.IndexOf(token);
            if (index < 0 || index >= deliveredAt.Length)
            {
                if (File.Exists(arrival.Path))
                {
                    foreign++;
                }

                continue;
            }

            if (deliveredAt[index] != 0)
            {
                Interlocked.Increment(ref duplicates);
                continue;
            }

            deliveredAt[index] = arrival.SeenAt;
            Interlocked.Increment(ref delivered);
        }
    }

    private static bool IsInNew(string path) =>
        string.Equals(Path.GetFileName(Path.GetDirectoryName(path)), "new", StringComparison.Ordinal);

    private static bool TryReadToken(string path, out string? token)
    {
        token = null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 8192);
            var buffer = new byte[16 * 1024];
            var length = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var text = Encoding.Latin1.GetString(buffer, 0, length);
            var at = text.IndexOf("\nSubject: " + MessageFactory.SubjectPrefix, StringComparison.OrdinalIgnoreCase);
            if (at >= 0)
            {
                var from = at + "\nSubject: ".Length + MessageFactory.SubjectPrefix.Length;
                var until = text.IndexOfAny(['\r', '\n'], from);
                token = until < 0 ? null : text[from..until].Trim();
            }

            return true;
        }
        catch (FileNotFoundException)
        {
            return true; // moved to cur/ by a reader: not ours to count
        }
        catch (IOException)
        {
            return false;
        }
    }
}
