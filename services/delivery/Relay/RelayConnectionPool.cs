using System.Collections.Concurrent;
using System.Net;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>How TLS is to be checked on a connection (part of what makes two connections interchangeable).</summary>
internal enum RelayTlsPolicy
{
    /// <summary>STARTTLS when offered, any certificate (RFC 7435 opportunistic TLS).</summary>
    Opportunistic,

    /// <summary>STARTTLS required, any certificate (transport map <c>encrypt</c>).</summary>
    Required,

    /// <summary>STARTTLS when offered; an invalid certificate is logged, not refused (MTA-STS <c>testing</c>).</summary>
    Reported,

    /// <summary>STARTTLS required with a certificate valid for the host name (MTA-STS <c>enforce</c>).</summary>
    Verified,
}

/// <summary>One remote SMTP server as the relay talks to it: connections to the same endpoint are interchangeable.</summary>
internal sealed record RelayEndpoint(string HostName, IPAddress Address, int Port, RelayTlsPolicy Tls);

/// <summary>
/// SMTP connection reuse (Postfix's connection cache): after a transaction the connection goes
/// back to an idle list of its <see cref="RelayEndpoint"/>, and the next transaction to the same
/// server starts with RSET on it instead of TCP, greeting, EHLO, STARTTLS and AUTH. Bounded by
/// <c>Relay:ConnectionIdleTimeout</c>, <c>Relay:MaxMessagesPerConnection</c> and, busy and idle
/// together, <c>Relay:MaxConnectionsPerDestination</c> connections per endpoint (a transaction
/// beyond it waits for one). A connection that fails its RSET was closed by the server while
/// idle: it is dropped before any transaction began on it, and a fresh one is opened.
/// </summary>
internal sealed partial class RelayConnectionPool : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<RelayEndpoint, EndpointConnections> destinations = new();
    private readonly IOptions<RelayOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<RelayConnectionPool> logger;
    private readonly ITimer sweeper;
    private volatile bool disposed;
    private long opened;

    public RelayConnectionPool(IOptions<RelayOptions> options, TimeProvider time, ILogger<RelayConnectionPool> logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        var period = TimeSpan.FromMilliseconds(Math.Max(100, options.Value.ConnectionIdleTimeout.TotalMilliseconds / 2));
        sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, period, period);
    }

    /// <summary>Connections opened since start (tests and the bench read it).</summary>
    public long Opened => Interlocked.Read(ref opened);

    /// <summary>
    /// A connection to <paramref name="endpoint"/>: an idle one that answered RSET, or a new one
    /// from <paramref name="connect"/> (connected, greeted, TLS and AUTH done). Waits while the
    /// endpoint already has its maximum of connections busy.
    /// </summary>
    public async Task<RelayConnectionLease> AcquireAsync(RelayEndpoint endpoint, Func<CancellationToken, Task<RelaySmtpClient>> connect, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var destination = destinations.GetOrAdd(endpoint, _ => new EndpointConnections(endpoint, options.Value.MaxConnectionsPerDestination));
        await destination.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (destination.TryTakeIdle(out var idle))
            {
                if (time.GetUtcNow() - idle.IdleSince > options.Value.ConnectionIdleTimeout)
                {
                    await CloseAsync(idle.Client).ConfigureAwait(false);
                    continue;
                }

                if (await idle.Client.TryResetAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new RelayConnectionLease(this, destination, idle, reused: true);
                }

                LogStaleConnection(logger, endpoint.HostName, endpoint.Address, endpoint.Port);
                idle.Client.Dispose();
            }

            var client = await connect(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref opened);
            return new RelayConnectionLease(this, destination, new RelayConnection(client), reused: false);
        }
        catch
        {
            destination.Gate.Release();
            throw;
        }
    }

    internal async ValueTask ReleaseAsync(EndpointConnections destination, RelayConnection connection, bool reusable)
    {
        connection.Transactions++;
        var relay = options.Value;
        // An entry the sweeper already forgot must not keep connections nobody will sweep.
        var current = destinations.TryGetValue(destination.Endpoint, out var registered) && ReferenceEquals(registered, destination);
        var keep = reusable && !disposed && current && connection.Client.IsConnected
            && connection.Transactions < relay.MaxMessagesPerConnection
            && relay.ConnectionIdleTimeout > TimeSpan.Zero;
        if (keep)
        {
            connection.IdleSince = time.GetUtcNow();
            destination.PutIdle(connection);
            destination.Gate.Release();
            return;
        }

        destination.Gate.Release();
        if (reusable)
        {
            await CloseAsync(connection.Client).ConfigureAwait(false);
        }
        else
        {
            connection.Client.Dispose();
        }
    }

    private async Task SweepAsync()
    {
        var now = time.GetUtcNow();
        var limit = options.Value.ConnectionIdleTimeout;
        foreach (var (endpoint, destination) in destinations)
        {
            foreach (var expired in destination.TakeIdle(c => now - c.IdleSince > limit))
            {
                await CloseAsync(expired.Client).ConfigureAwait(false);
            }

            // Forget servers with nothing open, so a relay writing to many domains does not keep
            // an entry per MX it ever used. (A transaction that raced this still has its entry.)
            if (destination.IsUnused)
            {
                destinations.TryRemove(new KeyValuePair<RelayEndpoint, EndpointConnections>(endpoint, destination));
            }
        }
    }

    /// <summary>QUIT (bounded), then close: the transaction's outcome is already known, a lost QUIT changes nothing.</summary>
    internal static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(true, quit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        await sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var destination in destinations.Values)
        {
            foreach (var idle in destination.TakeIdle(_ => true))
            {
                await CloseAsync(idle.Client).ConfigureAwait(false);
            }
        }
    }

    /// <summary>For a container disposed synchronously: idle connections are closed without QUIT.</summary>
    public void Dispose()
    {
        disposed = true;
        sweeper.Dispose();
        foreach (var destination in destinations.Values)
        {
            foreach (var idle in destination.TakeIdle(_ => true))
            {
                idle.Client.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idle connection to {Host} [{Address}]:{Port} did not answer RSET; opening a new one")]
    private static partial void LogStaleConnection(ILogger logger, string host, IPAddress address, int port);

    /// <summary>The connections of one endpoint: a gate counting busy plus idle ones, and the idle list (most recent last).</summary>
    internal sealed class EndpointConnections(RelayEndpoint endpoint, int limit)
    {
        public RelayEndpoint Endpoint { get; } = endpoint;

        private readonly List<RelayConnection> idle = [];

        public SemaphoreSlim Gate { get; } = new(limit, limit);

        /// <summary>No connection busy or idle.</summary>
        public bool IsUnused
        {
            get
            {
                lock (idle)
                {
                    return idle.Count == 0 && Gate.CurrentCount == limit;
                }
            }
        }

        public bool TryTakeIdle(out RelayConnection connection)
        {
            lock (idle)
            {
                if (idle.Count == 0)
                {
                    connection = null!;
                    return false;
                }

                // Most recently used first: the older ones age out instead of all staying warm.
                connection = idle[^1];
                idle.RemoveAt(idle.Count - 1);
                return true;
            }
        }

        public void PutIdle(RelayConnection connection)
        {
            lock (idle)
            {
                idle.Add(connection);
            }
        }

        public List<RelayConnection> TakeIdle(Func<RelayConnection, bool> predicate)
        {
            lock (idle)
            {
                var taken = idle.Where(predicate).ToList();
                idle.RemoveAll(c => taken.Contains(c));
                return taken;
            }
        }
    }
}

/// <summary>An open SMTP session kept by the pool.</summary>
internal sealed class RelayConnection(RelaySmtpClient client)
{
    public RelaySmtpClient Client { get; } = client;

    public int Transactions { get; set; }

    public DateTimeOffset IdleSince { get; set; }
}

/// <summary>A connection lent to one transaction; give it back with <see cref="ReleaseAsync"/> exactly once.</summary>
internal sealed class RelayConnectionLease
{
    private readonly RelayConnectionPool pool;
    private readonly RelayConnectionPool.EndpointConnections destination;
    private readonly RelayConnection connection;
    private int released;

    internal RelayConnectionLease(RelayConnectionPool pool, RelayConnectionPool.EndpointConnections destination, RelayConnection connection, bool reused)
    {
        this.pool = pool;
        this.destination = destination;
        this.connection = connection;
        Reused = reused;
    }

    public RelaySmtpClient Client => connection.Client;

    public bool Reused { get; }

    /// <summary>Back to the pool when <paramref name="reusable"/> (the session is in a clean state), else closed.</summary>
    public ValueTask ReleaseAsync(bool reusable) =>
        Interlocked.Exchange(ref released, 1) == 0 ? pool.ReleaseAsync(destination, connection, reusable) : ValueTask.CompletedTask;
}
