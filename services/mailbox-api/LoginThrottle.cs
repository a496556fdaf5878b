using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi;

/// <summary>The limits a protocol's options give <see cref="LoginThrottle{TOptions}"/> (IMAP's and POP3's sections).</summary>
internal interface ILoginThrottleOptions
{
    /// <summary>Delay before answering a failed login; doubles with each recent failure, up to <see cref="MaxFailedLoginDelay"/>.</summary>
    TimeSpan FailedLoginDelay { get; }

    TimeSpan MaxFailedLoginDelay { get; }

    /// <summary>Failures from one IP within <see cref="FailedLoginWindow"/> after which its logins are refused outright.</summary>
    int MaxFailedLoginsPerIp { get; }

    /// <summary>Failures for one user name within <see cref="FailedLoginWindow"/> after which its logins are refused outright.</summary>
    int MaxFailedLoginsPerUser { get; }

    TimeSpan FailedLoginWindow { get; }
}

/// <summary>
/// Failed logins counted per client IP and per user name over a sliding window: each failure delays
/// the answer (doubling up to a cap, so guessing gets slow); past a limit, logins from that IP or for
/// that user are refused without checking the password, so guessing stops. One instance per protocol
/// (each with its own section's limits); per process, so replicas each count.
/// </summary>
internal sealed class LoginThrottle<TOptions>(IOptionsMonitor<TOptions> options, TimeProvider time)
    where TOptions : class, ILoginThrottleOptions
{
    // Past this many tracked keys, keys with no failure left in the window are dropped, so a flood of
    // distinct user names or addresses cannot grow the table without bound.
    private const int PruneAbove = 100_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the IP or the user name has used up its failures for the current window.</summary>
    public bool IsBlocked(IPAddress? address, string? user = null)
    {
        var limits = options.CurrentValue;
        return (address is not null && Count(IpKey(address)) >= limits.MaxFailedLoginsPerIp)
            || (!string.IsNullOrEmpty(user) && Count(UserKey(user)) >= limits.MaxFailedLoginsPerUser);
    }

    /// <summary>Records a failure; returns how long to wait before answering and the larger of the two counts in the window.</summary>
    public (TimeSpan Delay, int Count) RecordFailure(IPAddress? address, string? user = null)
    {
        if (_failures.Count > PruneAbove)
        {
            Prune();
        }

        var count = 1;
        if (address is not null)
        {
            count = Math.Max(count, Add(IpKey(address)));
        }

        if (!string.IsNullOrEmpty(user))
        {
            count = Math.Max(count, Add(UserKey(user)));
        }

        var limits = options.CurrentValue;
        var factor = Math.Pow(2, Math.Min(count - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(limits.FailedLoginDelay.Ticks * factor, limits.MaxFailedLoginDelay.Ticks));
        return (delay, count);
    }

    private static string IpKey(IPAddress address) => "ip:" + address;

    private static string UserKey(string user) => "user:" + user;

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return 0;
        }

        lock (queue)
        {
            Trim(queue);
            return queue.Count;
        }
    }

    private int Add(string key)
    {
        var queue = _failures.GetOrAdd(key, static _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            Trim(queue);
            queue.Enqueue(time.GetUtcNow());
            return queue.Count;
        }
    }

    private void Trim(Queue<DateTimeOffset> queue)
    {
        var since = time.GetUtcNow() - options.CurrentValue.FailedLoginWindow;
        while (queue.Count > 0 && queue.Peek() < since)
        {
            queue.Dequeue();
        }
    }

    private void Prune()
    {
        foreach (var (key, queue) in _failures)
        {
            lock (queue)
            {
                Trim(queue);
                if (queue.Count == 0)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }
}
