using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Facteur.Hosting.Listening;
using Facteur.Hosting.ProxyProtocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Facteur.Hosting.Tests.Listening;

public sealed class ConnectionListenersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_connection_runs_the_application_with_the_client_as_remote_end_and_is_closed_when_it_returns()
    {
        EndPoint? remote = null;
        await using var listeners = await StartAsync("echo", "127.0.0.1", 0, async connection =>
        {
            remote = connection.RemoteEndPoint;
            var result = await connection.Transport.Input.ReadAsync();
            var line = result.Buffer.ToArray();
            connection.Transport.Input.AdvanceTo(result.Buffer.End);
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes("echo: ").Concat(line).ToArray());
        });
        var port = listeners.EndPoints("echo").Single().Port;

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("hello\r\n"u8.ToArray());
        var reply = await ReadToEndAsync(stream);

        Assert.Equal("echo: hello\r\n", reply);
        Assert.Equal(((IPEndPoint)client.Client.LocalEndPoint!).Port, Assert.IsType<IPEndPoint>(remote).Port);
    }

    [Fact]
    public async Task Localhost_with_port_zero_binds_the_ipv4_loopback_only_and_the_names_stay_apart()
    {
        await using var listeners = await StartAsync("one", "localhost", 0, _ => Task.CompletedTask, ("two", "127.0.0.1"));

        var one = Assert.Single(listeners.EndPoints("one"));
        var two = Assert.Single(listeners.EndPoints("two"));
        Assert.Equal(IPAddress.Loopback, one.Address);
        Assert.NotEqual(one.Port, two.Port);
        Assert.Empty(listeners.EndPoints("three"));
    }

    [Fact]
    public async Task Star_is_dual_stack_so_an_ipv4_client_is_served()
    {
        await using var listeners = await StartAsync("any", "*", 0, async connection => await connection.Transport.Output.WriteAsync("+OK\r\n"u8.ToArray()));
        var port = listeners.EndPoints("any").Single().Port;

        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, port);

        Assert.Equal("+OK\r\n", await ReadToEndAsync(client.GetStream()));
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_naming_the_listener_and_the_address()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var failure = await Assert.ThrowsAsync<IOException>(() => StartAsync("imap", "127.0.0.1", port, _ => Task.CompletedTask));

        Assert.StartsWith($"Cannot listen for imap on 127.0.0.1:{port}: ", failure.Message);
    }

    [Fact]
    public async Task Stopping_aborts_a_connection_waiting_for_input_and_accepts_no_more()
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = await StartAsync("idle", "127.0.0.1", 0, async connection =>
        {
            try
            {
                var read = connection.Transport.Input.ReadAsync(connection.ConnectionClosed);
                reading.SetResult();
                var result = await read;
                ended.SetResult(result.IsCompleted ? "completed" : "data");
            }
            catch (Exception exception)
            {
                ended.SetResult(exception.GetType().Name);
            }
        });
        listeners.ShutdownGrace = TimeSpan.FromMilliseconds(200);
        var port = listeners.EndPoints("idle").Single().Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await reading.Task.WaitAsync(Bound);

        await listeners.StopAsync(new CancellationTokenSource(Bound).Token);

        Assert.True(ended.Task.IsCompleted, "the application was still running after StopAsync");
        Assert.True(await IsClosedAsync(client.GetStream()), "the client's connection is still open");
        using var late = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, port));
        await listeners.DisposeAsync();
    }

    [Fact]
    public async Task A_connection_that_ends_within_the_grace_keeps_its_last_words_and_an_orderly_close()
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = await StartAsync("polite", "127.0.0.1", 0, async connection =>
        {
            // As a session watching the host's ApplicationStopping does.
            await stopping.Task;
            await connection.Transport.Output.WriteAsync("* BYE Server shutting down.\r\n"u8.ToArray());
        });
        var port = listeners.EndPoints("polite").Single().Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);

        var stop = listeners.StopAsync(new CancellationTokenSource(Bound).Token);
        await Task.Delay(100);
        Assert.False(stop.IsCompleted, "StopAsync did not wait for the open connection");
        stopping.SetResult();
        await stop.WaitAsync(Bound);

        Assert.Equal("* BYE Server shutting down.\r\n", await ReadToEndAsync(client.GetStream()));
        await listeners.DisposeAsync();
    }

    [Fact]
    public async Task An_application_that_throws_loses_its_connection_only()
    {
        var calls = 0;
        await using var listeners = await StartAsync("flaky", "127.0.0.1", 0, async connection =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("first connection fails");
            }

            await connection.Transport.Output.WriteAsync("* OK\r\n"u8.ToArray());
        });
        var port = listeners.EndPoints("flaky").Single().Port;

        using var first = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, port);
        Assert.Equal(string.Empty, await ReadToEndAsync(first.GetStream()));
        using var second = new TcpClient();
        await second.ConnectAsync(IPAddress.Loopback, port);
        Assert.Equal("* OK\r\n", await ReadToEndAsync(second.GetStream()));
    }

    [Fact]
    public async Task The_proxy_protocol_middleware_gives_the_application_the_real_client()
    {
        EndPoint? remote = null;
        ConnectionDelegate application = connection =>
        {
            remote = connection.RemoteEndPoint;
            return Task.CompletedTask;
        };
        await using var listeners = await StartAsync("proxied", "127.0.0.1", 0, application.UseProxyProtocol(TimeSpan.FromSeconds(5), NullLoggerFactory.Instance));
        var port = listeners.EndPoints("proxied").Single().Port;

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.GetStream().WriteAsync("PROXY TCP4 203.0.113.7 192.0.2.1 40000 143\r\n"u8.ToArray());
        await ReadToEndAsync(client.GetStream());

        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000), remote);
    }

    private static async Task<ConnectionListeners> StartAsync(string name, string listenAddress, int port, ConnectionDelegate application, params (string Name, string Address)[] others)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddConnectionListener(_ => new ConnectionListenerOptions { Name = name, ListenAddress = listenAddress, Port = port, Application = application });
        foreach (var other in others)
        {
            services.AddConnectionListener(_ => new ConnectionListenerOptions { Name = other.Name, ListenAddress = other.Address, Port = 0, Application = application });
        }

        var listeners = services.BuildServiceProvider().GetRequiredService<ConnectionListeners>();
        try
        {
            await listeners.StartAsync(CancellationToken.None);
        }
        catch
        {
            await listeners.DisposeAsync();
            throw;
        }

        return listeners;
    }

    /// <summary>True when the server has closed the connection, gracefully or with a reset.</summary>
    private static async Task<bool> IsClosedAsync(NetworkStream stream)
    {
        try
        {
            return await ReadToEndAsync(stream) == string.Empty;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Everything the server sends until it closes the connection (bounded).</summary>
    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var received = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
