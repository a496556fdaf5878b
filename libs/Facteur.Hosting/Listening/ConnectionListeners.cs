using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Listening;

/// <summary>
/// The TCP listeners of the long-lived mailbox protocols (IMAP, POP3), outside Kestrel. Kestrel's
/// heartbeat walks every open connection once a second; with 10,000 clients in IMAP IDLE that walk
/// was most of an idle server's CPU (docs/README-perf.md, "CPU at rest"), and these
/// protocols use nothing else of Kestrel's. The connections are the same: Kestrel's own socket
/// transport (<see cref="SocketConnectionContextFactory"/>: pipes, buffers allocated only once data
/// arrives), the same <see cref="ConnectionDelegate"/> middleware (PROXY protocol) and handlers.
/// SMTP and HTTP stay on Kestrel: their connections are short.
/// </summary>
public sealed class ConnectionListeners : IHostedService, IAsyncDisposable
{
    private readonly IEnumerable<ConnectionListenerRegistration> _registrations;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly SocketConnectionContextFactory _factory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(string Name, Socket Socket, IPEndPoint EndPoint)> _sockets = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentDictionary<ConnectionContext, byte> _open = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopped;
    private int _disposed;

    internal ConnectionListeners(IEnumerable<ConnectionListenerRegistration> registrations, IServiceProvider services, ILoggerFactory loggers)
    {
        _registrations = registrations;
        _services = services;
        _logger = loggers.CreateLogger("Facteur.Listening");
        _factory = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), _logger);
    }

    /// <summary>The addresses a listener is bound to (with the OS's port where 0 was asked for); empty before start.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints(string name)
    {
        lock (_sockets)
        {
            return [.. _sockets.Where(s => s.Name == name).Select(s => s.EndPoint)];
        }
    }

    /// <summary>Binds every port before returning, so the host is reachable once it has started.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in _registrations)
        {
            var options = registration.Create(_services);
            var endPoints = ListenEndPoints.For(options.ListenAddress, options.Port);
            var bound = 0;
            SocketException? skipped = null;
            foreach (var endPoint in endPoints)
            {
                Socket socket;
                try
                {
                    socket = ListenSocket.Bind(endPoint);
                }
                catch (SocketException exception) when (endPoints.Count > 1 && exception.SocketErrorCode != SocketError.AddressAlreadyInUse)
                {
                    // "localhost" is two addresses; a machine without ::1 still serves 127.0.0.1 (as Kestrel does).
                    HostingLog.ListenAddressSkipped(_logger, options.Name, endPoint, exception.Message);
                    skipped = exception;
                    continue;
                }
                catch (SocketException exception)
                {
                    throw new IOException($"Cannot listen for {options.Name} on {endPoint}: {exception.Message}", exception);
                }

                var local = (IPEndPoint)socket.LocalEndPoint!;
                lock (_sockets)
                {
                    _sockets.Add((options.Name, socket, local));
                }

                bound++;
                HostingLog.Listening(_logger, options.Name, local);
                _acceptLoops.Add(AcceptAsync(socket, local, options.Application));
            }

            if (bound == 0)
            {
                throw new IOException($"Cannot listen for {options.Name} on {options.ListenAddress} port {options.Port}: {skipped?.Message}", skipped);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>How long connections get to end on their own once the host is stopping, before they are aborted.</summary>
    internal TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stops accepting, gives the sessions <see cref="ShutdownGrace"/> to end on their own (they watch
    /// the host's ApplicationStopping: IMAP says BYE), then aborts the rest — an IMAP client in IDLE
    /// must not hold the shutdown for the host's whole timeout — and waits for the handlers to finish
    /// their cleanup (a POP3 session left without QUIT deletes nothing, RFC 1939 §6).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        CloseSockets();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        _stopped = true;
        if (_open.IsEmpty)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(ShutdownGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            foreach (var connection in _open.Keys)
            {
                connection.Abort(new ConnectionAbortedException("The server is shutting down."));
            }
        }

        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            HostingLog.ConnectionsLeftOpen(_logger, _open.Count);
        }
    }

    /// <summary>Idempotent: the container disposes this once as itself and once as a hosted service.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        _stopping.Cancel();
        CloseSockets();
        _factory.Dispose();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private void CloseSockets()
    {
        lock (_sockets)
        {
            foreach (var (_, socket, _) in _sockets)
            {
                socket.Dispose();
            }
        }
    }

    private async Task AcceptAsync(Socket listener, IPEndPoint local, ConnectionDelegate application)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // the client left before we accepted it
            }
            catch (SocketException exception)
            {
                // EMFILE and the like: say so, and try again when descriptors may have been freed
                // rather than spin or stop serving for good.
                HostingLog.AcceptFailed(_logger, exception, local);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            // Small IMAP responses must not wait for Nagle's timer (Kestrel sets the same).
            socket.NoDelay = true;
            var connection = _factory.Create(socket);
            _open.TryAdd(connection, 0);
            // Unsafe: the connection starts from a clean ExecutionContext, not the accept loop's.
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Owner.RunAsync(state.Connection, state.Application), new Accepted(this, connection, application), preferLocal: false);
        }
    }

    private async Task RunAsync(ConnectionContext connection, ConnectionDelegate application)
    {
        try
        {
            await application(connection).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            HostingLog.ConnectionFailed(_logger, exception, connection.ConnectionId);
        }
        finally
        {
            // Completes the pipes and closes the socket (FIN after whatever the handler flushed).
            await connection.DisposeAsync().ConfigureAwait(false);
            _open.TryRemove(connection, out _);
            if (_stopped && _open.IsEmpty)
            {
                _drained.TrySetResult();
            }
        }
    }

    private readonly record struct Accepted(ConnectionListeners Owner, ConnectionContext Connection, ConnectionDelegate Application);
}
