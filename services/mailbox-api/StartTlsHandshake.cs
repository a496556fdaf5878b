using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Facteur.MailboxApi.Pop3.Framing;
using Microsoft.AspNetCore.Connections;

namespace Facteur.MailboxApi;

/// <summary>
/// The server side of STARTTLS (IMAP, RFC 3501 §6.2.1) and STLS (POP3, RFC 2595 §4) once the OK has
/// been sent: a TLS 1.2/1.3 handshake over the connection's transport, bounded to 30 s.
/// </summary>
internal static class StartTlsHandshake
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The TLS stream, or null when the handshake failed (<paramref name="failed"/> is told why).</summary>
    public static async Task<SslStream?> TryAsync(ConnectionContext connection, X509Certificate2 certificate, Action<Exception> failed, CancellationToken cancellationToken)
    {
        var transport = new DuplexTransportStream(connection.Transport.Input.AsStream(leaveOpen: true), connection.Transport.Output.AsStream(leaveOpen: true));
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(Timeout);
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = false,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                },
                handshake.Token).ConfigureAwait(false);
            return tls;
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException)
        {
            failed(exception);
            await tls.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }
}
