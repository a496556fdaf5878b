using Microsoft.AspNetCore.Connections;

namespace Facteur.MailboxApi;

/// <summary>Runs one IMAP or POP3 connection, on both its plain and its implicit-TLS port.</summary>
internal abstract class MailboxConnectionHandler : ConnectionHandler
{
    /// <summary>Logs an implicit-TLS handshake that failed (the client left, spoke no TLS, refused the certificate).</summary>
    public abstract void TlsFailed(Exception exception, string connectionId);
}
