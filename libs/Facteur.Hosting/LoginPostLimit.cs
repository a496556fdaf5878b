using System.Collections.Concurrent;

namespace Facteur.Hosting;

/// <summary>
/// How many login posts each client address may make in a fixed window (a minute for the edge and the
/// webmail): the per-address limit that ASP.NET's rate limiter kept before, without its timer.
/// System.Threading.RateLimiting's partitioned limiter replenishes on a timer that fires every 100 ms
/// for the life of the process, with or without requests; every tick woke the thread pool, whose
/// workers spin before they sleep again, and that was most of the mailbox host's CPU at rest
/// (docs/README-perf.md, "CPU at rest"). Here a window starts with the first post after the last one
/// ended, and ended windows are swept by a post once many addresses are held.
/// </summary>
internal sealed class LoginPostLimit
{
    /// <summary>Addresses held before a post sweeps the windows that have ended (at most once a window).</summary>
    internal const int SweepAbove = 1024;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly int _permits;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;
    private long _nextSweep;

    public LoginPostLimit(int permitsPerWindow, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _permits = permitsPerWindow;
        _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
        _time = time;
        _nextSweep = time.GetTimestamp();
    }

    /// <summary>Addresses with a window held (ended or not, until a sweep).</summary>
    internal int Held => _windows.Count;

    /// <summary>Counts a post from <paramref name="address"/>; false past the limit, with the time until its window ends.</summary>
    public bool TryAcquire(string address, out TimeSpan retryAfter)
    {
        var now = _time.GetTimestamp();
        SweepIfMany(now);
        var window = _windows.GetOrAdd(address, static (_, start) => new Window(start), now);
        lock (window)
        {
            if (now - window.Start >= _windowTicks)
            {
                window.Start = now;
                window.Count = 0;
            }

            if (window.Count < _permits)
            {
                window.Count++;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((double)(window.Start + _windowTicks - now) / _time.TimestampFrequency);
            return false;
        }
    }

    private void SweepIfMany(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (_windows.Count <= SweepAbove || now < due || Interlocked.CompareExchange(ref _nextSweep, now + _windowTicks, due) != due)
        {
            return;
        }

        foreach (var held in _windows)
        {
            bool ended;
            lock (held.Value)
            {
                ended = now - held.Value.Start >= _windowTicks;
            }

            // A post that renews this window between the check and the removal loses its count with
            // it: at most one post more for that address, once a window.
            if (ended)
            {
                _windows.TryRemove(held);
            }
        }
    }

    private sealed class Window(long start)
    {
        public long Start = start;
        public int Count;
    }
}
