using System.Collections.Concurrent;
using Facteur.Webmail.Auth;
using MailKit.Net.Imap;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Imap;

/// <summary>
/// One IMAP connection per browser session and replica, reused between requests and closed
/// after <see cref="WebmailOptions.ImapIdleTimeout"/> unused. A session that lands on another
/// replica simply opens its own connection there: the pool is a cache, never the state.
/// </summary>
internal sealed class ImapSessionPool(MailConnector connector, IOptions<WebmailOptions> options, TimeProvider time, ILogger<ImapSessionPool> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>Exclusive use of the session's connection until the lease is disposed (ImapClient is not thread-safe).</summary>
    public async Task<ImapLease> LeaseAsync(MailAccount account, CancellationToken cancellationToken)
    {
        var key = account.SessionId + "\n" + account.Address;
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Client is not { IsConnected: true, IsAuthenticated: true })
            {
                entry.Client?.Dispose();
                entry.Client = null;
                entry.Client = await connector.OpenImapAsync(account, cancellationToken);
            }

            entry.LastUsed = time.GetUtcNow();
            return new ImapLease(entry.Client, entry.Cache, () =>
            {
                entry.LastUsed = time.GetUtcNow();
                entry.Gate.Release();
            }, () =>
            {
                // A failed command may leave the connection mid-response: drop it, the next request reconnects.
                entry.Client?.Dispose();
                entry.Client = null;
            });
        }
        catch (Exception e)
        {
            WebmailLog.ImapFailed(logger, account.Address, e.GetType().Name);
            entry.Gate.Release();
            throw;
        }
    }

    public async Task CloseAsync(MailAccount account)
    {
        if (_entries.TryRemove(account.SessionId + "\n" + account.Address, out var entry))
        {
            await CloseAsync(entry);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Min(30, options.Value.ImapIdleTimeout.TotalSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var idleSince = time.GetUtcNow() - options.Value.ImapIdleTimeout;
                foreach (var (key, entry) in _entries)
                {
                    if (entry.LastUsed < idleSince && entry.Gate.CurrentCount == 1 && _entries.TryRemove(key, out _))
                    {
                        await CloseAsync(entry);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var key in _entries.Keys)
        {
            if (_entries.TryRemove(key, out var entry))
            {
                entry.Client?.Dispose();
            }
        }
    }

    private static async Task CloseAsync(Entry entry)
    {
        await entry.Gate.WaitAsync();
        try
        {
            if (entry.Client is { IsConnected: true } client)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await client.DisconnectAsync(true, timeout.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ImapProtocolException or ImapCommandException)
                {
                    // closing anyway
                }
            }

            entry.Client?.Dispose();
            entry.Client = null;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ImapClient? Client { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public SessionCache Cache { get; } = new();
    }
}

/// <summary>A connection borrowed from the pool; <see cref="Broken"/> makes the pool drop it.</summary>
internal sealed class ImapLease(ImapClient client, SessionCache cache, Action release, Action drop) : IDisposable
{
    private bool _broken;

    public ImapClient Client { get; } = client;

    /// <summary>The session's cached folder list, sort keys and last message (see <see cref="SessionCache"/>).</summary>
    public SessionCache Cache { get; } = cache;

    public void Broken() => _broken = true;

    public void Dispose()
    {
        if (_broken)
        {
            drop();
        }

        release();
    }
}
