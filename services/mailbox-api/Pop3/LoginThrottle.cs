using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// Failed logins per client IP over a sliding window: each failure delays the answer (doubling
/// up to a cap) and, past the limit, logins from that IP are refused without checking the
/// password, so password guessing gets slow and then stops. Per process; replicas each count.
/// </summary>
internal sealed class LoginThrottle(IOptionsMonitor<Pop3Options> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();

    /// <summary>True when the IP has used up its failures for the current window.</summary>
    public bool IsBlocked(IPAddress? address)
    {
        if (address is null || !_failures.TryGetValue(address, out var failures))
        {
            return false;
        }

        lock (failures)
        {
            return failures.CountSince(time.GetUtcNow() - options.CurrentValue.FailedLoginWindow) >= options.CurrentValue.MaxFailedLoginsPerIp;
        }
    }

    /// <summary>Records a failure; returns how long to wait before answering and the count in the window.</summary>
    public (TimeSpan Delay, int Count) RecordFailure(IPAddress? address)
    {
        var current = options.CurrentValue;
        if (address is null)
        {
            return (current.FailedLoginDelay, 1);
        }

        if (_failures.Count > 100_000)
        {
            Prune();
        }

        var failures = _failures.GetOrAdd(address, static _ => new Failures());
        int count;
        lock (failures)
        {
            var now = time.GetUtcNow();
            failures.Times.Enqueue(now);
            count = failures.CountSince(now - current.FailedLoginWindow);
        }

        var factor = Math.Pow(2, Math.Min(count - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(current.FailedLoginDelay.Ticks * factor, current.MaxFailedLoginDelay.Ticks));
        return (delay, count);
    }

    private void Prune()
    {
        var horizon = time.GetUtcNow() - options.CurrentValue.FailedLoginWindow;
        foreach (var (address, failures) in _failures)
        {
            lock (failures)
            {
                if (failures.CountSince(horizon) == 0)
                {
                    _failures.TryRemove(address, out _);
                }
            }
        }
    }

    private sealed class Failures
    {
        public Queue<DateTimeOffset> Times { get; } = new();

        public int CountSince(DateTimeOffset horizon)
        {
            while (Times.Count > 0 && Times.Peek() < horizon)
            {
                Times.Dequeue();
            }

            return Times.Count;
        }
    }
}
