using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Facteur.Durability.Tests;

/// <summary>
/// A loopback TCP relay in front of the test broker. Stopping it severs every connection and
/// refuses new ones: "the broker is down" for the host behind it, without stopping a broker other
/// test suites share.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly ConcurrentDictionary<TcpClient, byte> connections = new();
    private TcpListener? listener;
    private CancellationTokenSource? running;

    public TcpProxy(string host, int port)
    {
        target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }

    /// <summary>
    /// While true, what the broker sends is swallowed (the client's bytes still reach it): a
    /// publish is stored by the broker but its confirm never arrives, as when the connection
    /// breaks between the two.
    /// </summary>
    public bool SwallowReplies { get; set; }

    public void Start()
    {
        running = new CancellationTokenSource();
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _ = AcceptAsync(listener, running.Token);
    }

    public void Stop()
    {
        running?.Cancel();
        listener?.Stop();
        foreach (var connection in connections.Keys)
        {
            try
            {
                connection.Client?.Close(0);
            }
            catch (ObjectDisposedException)
            {
            }

            connection.Dispose();
        }

        connections.Clear();
    }

    private async Task AcceptAsync(TcpListener tcp, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await tcp.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client, cancellationToken);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellationToken)
    {
        var upstream = new TcpClient();
        connections[client] = 0;
        connections[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(target, cancellationToken);
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), cancellationToken);
            var b = CopyRepliesAsync(upstream.GetStream(), client.GetStream(), cancellationToken);
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            connections.TryRemove(client, out _);
            connections.TryRemove(upstream, out _);
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task CopyRepliesAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (!SwallowReplies)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
