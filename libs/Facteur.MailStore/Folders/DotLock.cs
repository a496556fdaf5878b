using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// A dot-lock file created with O_CREAT|O_EXCL (<see cref="FileMode.CreateNew"/>), which is atomic
/// on local file systems and on NFSv3+, so it works between replicas sharing a volume — unlike
/// flock/fcntl locks, which NFS and some container volumes do not honour across hosts.
/// The file holds <c>&lt;pid&gt;:&lt;host&gt;</c> as Dovecot's dotlocks do. A lock is stale — and taken over — when its file has not
/// been touched for <c>staleAfter</c>, or when it names this host and a process that no longer exists.
/// Holders of long locks call <see cref="Touch"/> to keep it fresh.
/// </summary>
public sealed class DotLock : IDisposable
{
    private static readonly string HostName = Environment.MachineName;

    // Locks this process holds, by path. Two locks of one process have the same content, so this
    // is how a holder whose lock was taken over in-process knows not to delete the new one.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DotLock> Held = new(StringComparer.Ordinal);
    private int _released;

    private DotLock(string path, string content)
    {
        Path = path;
        Content = content;
    }

    public string Path { get; }

    private string Content { get; }

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>; taking over a stale lock.</summary>
    /// <exception cref="TimeoutException">Still held by someone else after the timeout.</exception>
    public static async Task<DotLock> AcquireAsync(string path, TimeSpan staleAfter, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var delay = 5;
        while (true)
        {
            var acquired = TryAcquire(path, staleAfter);
            if (acquired is not null)
            {
                return acquired;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Lock {path} is held by another process.");
            }

            await Task.Delay(Random.Shared.Next(delay, delay * 2), cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>One attempt: the lock, or null when a live holder has it.</summary>
    public static DotLock? TryAcquire(string path, TimeSpan staleAfter)
    {
        // Exactly what Dovecot's dotlocks hold, so each side can tell when the other's holder died.
        var content = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}:{HostName}");
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
                {
                    stream.Write(Encoding.ASCII.GetBytes(content));
                }

                var acquired = new DotLock(path, content);
                Held[path] = acquired;
                return acquired;
            }
            catch (IOException)
            {
                // EEXIST, unless the holder released it in between: then simply try again.
                if (File.Exists(path) && !TryRemoveStale(path, staleAfter))
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>Refreshes the lock's modification time so other processes do not judge it stale.</summary>
    public void Touch()
    {
        try
        {
            File.SetLastWriteTimeUtc(Path, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Taken over by someone who judged us stale: nothing left to refresh.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            // Delete only our own lock: after a takeover the file may belong to someone else.
            if (Held.TryRemove(new KeyValuePair<string, DotLock>(Path, this)) && ReadContent(Path) == Content)
            {
                File.Delete(Path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool TryRemoveStale(string path, TimeSpan staleAfter)
    {
        try
        {
            var before = File.GetLastWriteTimeUtc(path);
            var content = ReadContent(path);
            if (content is null)
            {
                return true; // vanished meanwhile: try again
            }

            var old = DateTime.UtcNow - before > staleAfter;
            if (!old && !HolderIsDeadHere(content))
            {
                return false;
            }

            // Re-check right before removing, so a holder that just refreshed or a new lock
            // that replaced the stale one is not removed.
            if (ReadContent(path) != content || File.GetLastWriteTimeUtc(path) != before)
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool HolderIsDeadHere(string content)
    {
        var colon = content.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(content.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        var lineEnd = content.IndexOf('\n', StringComparison.Ordinal);
        var host = lineEnd < 0 ? content[(colon + 1)..] : content[(colon + 1)..lineEnd];
        if (!string.Equals(host.Trim(), HostName, StringComparison.Ordinal))
        {
            return false; // another host: only the age tells
        }

        if (pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static string? ReadContent(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.ASCII);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
