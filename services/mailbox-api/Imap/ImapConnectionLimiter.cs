using System.Collections.Concurrent;

namespace Facteur.MailboxApi.Imap;

/// <summary>Counts open IMAP connections per client IP and per user, so one of them cannot exhaust the process.</summary>
internal sealed class ImapConnectionLimiter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes a slot for <paramref name="key"/> unless <paramref name="limit"/> are in use; release with <see cref="Release"/>.</summary>
    public bool TryAcquire(string key, int limit)
    {
        while (true)
        {
            var current = _counts.GetOrAdd(key, 0);
            if (current >= limit)
            {
                return false;
            }

            if (_counts.TryUpdate(key, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Release(string key) => _counts.AddOrUpdate(key, 0, (_, n) => Math.Max(0, n - 1));
}
