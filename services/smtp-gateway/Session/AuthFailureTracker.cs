using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Session;

/// <summary>
/// Failed AUTH attempts per client address within a sliding window (shared by all sessions of
/// this replica). Once an address reaches the limit, AUTH is refused until its window expires,
/// whatever connection it comes back on.
/// </summary>
internal sealed class AuthFailureTracker
{
    private readonly Dictionary<IPAddress, (int Count, DateTimeOffset Since)> failures = [];
    private readonly SmtpOptions options;
    private readonly TimeProvider time;

    public AuthFailureTracker(IOptions<SmtpOptions> options, IServiceProvider services)
    {
        this.options = options.Value;
        time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    }

    public bool IsBlocked(IPAddress address)
    {
        lock (failures)
        {
            return failures.TryGetValue(address, out var entry) && !Expired(entry.Since) && entry.Count >= options.MaxAuthFailuresPerIp;
        }
    }

    /// <returns>True when this failure reached the limit.</returns>
    public bool RecordFailure(IPAddress address)
    {
        lock (failures)
        {
            if (failures.Count > 10_000)
            {
                foreach (var key in failures.Where(f => Expired(f.Value.Since)).Select(f => f.Key).ToList())
                {
                    failures.Remove(key);
                }
            }

            (int Count, DateTimeOffset Since) entry = failures.TryGetValue(address, out var e) && !Expired(e.Since) ? e : (0, time.GetUtcNow());
            entry.Count++;
            failures[address] = entry;
            return entry.Count >= options.MaxAuthFailuresPerIp;
        }
    }

    private bool Expired(DateTimeOffset since) => time.GetUtcNow() - since > options.AuthFailureWindow;
}
