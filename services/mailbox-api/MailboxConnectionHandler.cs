using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;

namespace Facteur.MailboxApi;

/// <summary>Runs one IMAP or POP3 connection, on both its plain and its implicit-TLS port.</summary>
internal abstract class MailboxConnectionHandler(IHostApplicationLifetime? lifetime) : ConnectionHandler
{
    /// <summary>The host's ApplicationStopping: sessions end on it before the listener aborts what is left.</summary>
    protected CancellationToken Stopping { get; } = lifetime?.ApplicationStopping ?? CancellationToken.None;

    /// <summary>The token a session runs on: the client's connection closing, or the host stopping.</summary>
    protected CancellationTokenSource SessionEnd(ConnectionContext connection) => CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, Stopping);

    /// <summary>Logs an implicit-TLS handshake that failed (the client left, spoke no TLS, refused the certificate).</summary>
    public abstract void TlsFailed(Exception exception, string connectionId);
}
