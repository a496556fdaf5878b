using Microsoft.AspNetCore.Connections;

namespace Facteur.Hosting.Listening;

/// <summary>One TCP port served by <see cref="ConnectionListeners"/>: where it binds and what runs each connection.</summary>
public sealed class ConnectionListenerOptions
{
    /// <summary>What the port is ("imap", "pop3s"…): in logs, and how a test finds an OS-chosen port.</summary>
    public required string Name { get; init; }

    /// <summary><c>Facteur:ListenAddress</c>'s forms: "*", "localhost" or one IP address.</summary>
    public required string ListenAddress { get; init; }

    /// <summary>TCP port; 0 lets the OS choose (see <see cref="ConnectionListeners.EndPoints"/>).</summary>
    public required int Port { get; init; }

    /// <summary>Runs one accepted connection; the listener disposes the connection when it returns.</summary>
    public required ConnectionDelegate Application { get; init; }
}
