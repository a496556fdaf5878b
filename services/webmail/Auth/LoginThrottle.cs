using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Auth;

/// <summary>
/// Counts failed logins per account and per client address in a fixed window, so a password
/// cannot be guessed by spreading attempts over many addresses or many accounts. In memory per
/// replica: the edge's per-IP rate limit covers the whole farm.
/// </summary>
internal sealed class LoginThrottle(IOptions<WebmailOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _failures = new(StringComparer.OrdinalIgnoreCase);

    public bool IsBlocked(string account, string? clientAddress) =>
        Count("a:" + account) >= options.Value.LoginAttempts
        || (clientAddress is not null && Count("ip:" + clientAddress) >= options.Value.LoginAttempts * 4);

    public void Failed(string account, string? clientAddress)
    {
        Add("a:" + account);
        if (clientAddress is not null)
        {
            Add("ip:" + clientAddress);
        }

        if (_failures.Count > 100_000)
        {
            Prune();
        }
    }

    public void Succeeded(string account) => _failures.TryRemove("a:" + account, out _);

    private int Count(string key) =>
        _failures.TryGetValue(key, out var window) && window.Start + options.Value.LoginWindow > time.GetUtcNow() ? window.Count : 0;

    private void Add(string key)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(
            key,
            _ => new Window(now, 1),
            (_, window) => window.Start + options.Value.LoginWindow > now ? window with { Count = window.Count + 1 } : new Window(now, 1));
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, window) in _failures)
        {
            if (window.Start + options.Value.LoginWindow <= now)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    private sealed record Window(DateTimeOffset Start, int Count);
}
