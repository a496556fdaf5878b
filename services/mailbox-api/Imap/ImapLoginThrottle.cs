using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>
/// Failed IMAP logins counted per client IP and per user name over a sliding window: each failure
/// delays the answer (doubling up to a cap); past a limit, logins from that IP or for that user are
/// refused without checking the password. Per process; replicas each count.
/// </summary>
internal sealed class ImapLoginThrottle(IOptionsMonitor<ImapOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.OrdinalIgnoreCase);

    public bool IsBlocked(IPAddress? address, string? user)
    {
        var o = options.CurrentValue;
        return (address is not null && Count("ip:" + address) >= o.MaxFailedLoginsPerIp)
            || (user is not null && Count("user:" + user) >= o.MaxFailedLoginsPerUser);
    }

    public (TimeSpan Delay, int Count) RecordFailure(IPAddress? address, string? user)
    {
        var count = 0;
        if (address is not null)
        {
            count = Math.Max(count, Add("ip:" + address));
        }

        if (!string.IsNullOrEmpty(user))
        {
            count = Math.Max(count, Add("user:" + user));
        }

        var o = options.CurrentValue;
        var factor = Math.Pow(2, Math.Min(Math.Max(count - 1, 0), 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(o.FailedLoginDelay.Ticks * factor, o.MaxFailedLoginDelay.Ticks));
        return (delay, count);
    }

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
        var queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
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
}
