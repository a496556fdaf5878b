using System.Net;
using System.Net.Sockets;
using Facteur.Hosting.Listening;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Facteur.Hosting.Tests.Listening;

/// <summary>
/// A bind refused to Kestrel's socket transport, watched by <see cref="KestrelBinds"/>, as
/// <see cref="ListenFailure"/> reports it, in each shape Kestrel lets it out. The whole path (a held
/// port, the real standalone, its exit code and stderr) is in <see cref="StartFailureTests"/>; a port
/// below 1024 cannot be refused to this suite, which runs as root, so the bare error is made here with
/// an address the machine does not have (TEST-NET-1, RFC 5737), which Kestrel lets out the same way.
/// </summary>
public sealed class ListenFailureTests
{
    [Fact]
    public void In_use_as_Kestrel_wraps_it_names_the_service_and_the_address_not_http()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        KestrelBinds.Name(port, "submission");

        var refused = RefusedBind(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
        // What Kestrel's SocketConnectionListener and AddressBinder throw for it.
        var kestrel = new IOException($"Failed to bind to address http://127.0.0.1:{port}: address already in use.", new AddressInUseException(refused.Message, refused));

        Assert.True(ListenFailure.TryDescribe(kestrel, out var message));
        Assert.Equal($"Cannot listen for submission on 127.0.0.1:{port}: Address already in use", message);
    }

    [Fact]
    public void A_bare_refusal_Kestrel_lets_out_is_described_with_its_address()
    {
        KestrelBinds.Name(46525, "smtp");

        var refused = RefusedBind(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 46525));

        Assert.Equal(SocketError.AddressNotAvailable, refused.SocketErrorCode);
        Assert.True(ListenFailure.TryDescribe(new AggregateException(refused), out var message));
        Assert.Equal($"Cannot listen for smtp on 192.0.2.1:46525: {refused.Message}", message);
    }

    [Fact]
    public void A_port_no_listener_named_is_described_without_a_service()
    {
        var refused = RefusedBind(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 46526));

        Assert.True(ListenFailure.TryDescribe(refused, out var message));
        Assert.Equal($"Cannot listen on 192.0.2.1:46526: {refused.Message}", message);
    }

    [Fact]
    public void Our_own_listeners_text_is_kept()
    {
        var socket = new SocketException((int)SocketError.AddressAlreadyInUse);
        var ours = new IOException($"Cannot listen for imap on 127.0.0.1:2143: {socket.Message}", socket);

        Assert.True(ListenFailure.TryDescribe(ours, out var message));
        Assert.Equal("Cannot listen for imap on 127.0.0.1:2143: Address already in use", message);
    }

    [Fact]
    public void A_socket_error_no_bind_was_refused_is_left_to_the_runtime()
    {
        // Same code as a refused bind, but not from a watched bind and not wrapped by a listener: it may be
        // anything, so the stack trace is kept.
        Assert.False(ListenFailure.TryDescribe(new SocketException((int)SocketError.AccessDenied), out _));
        Assert.False(ListenFailure.TryDescribe(new IOException("disk full", new InvalidOperationException("no")), out _));
    }

    [Fact]
    public void A_watched_bind_that_succeeds_gives_the_socket()
    {
        using var socket = Watched()(new IPEndPoint(IPAddress.Loopback, 0));

        Assert.True(socket.IsBound);
        Assert.InRange(((IPEndPoint)socket.LocalEndPoint!).Port, 1, 65535); // the system's pick: a real bind, not a stand-in
    }

    private static SocketException RefusedBind(EndPoint endpoint)
    {
        var bind = Watched();
        return Assert.Throws<SocketException>(() => bind(endpoint).Dispose());
    }

    private static Func<EndPoint, Socket> Watched()
    {
        var options = new SocketTransportOptions();
        KestrelBinds.Watch(options);
        return options.CreateBoundListenSocket;
    }
}
