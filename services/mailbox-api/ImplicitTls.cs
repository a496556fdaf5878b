using System.IO.Pipelines;
using System.Net.Security;
using Facteur.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.MailboxApi;

/// <summary>
/// Implicit TLS (RFC 8314 §3.3: IMAP on 993, POP3 on 995): the handshake comes before the
/// greeting, with STARTTLS's settings (<see cref="StartTlsHandshake"/>), and the session then reads
/// and writes the TLS stream as its transport. A failed handshake ends the connection unanswered.
/// </summary>
internal static class ImplicitTls
{
    /// <param name="failed">Logs a failed handshake (the exception and the connection's id).</param>
    public static ConnectionDelegate UseImplicitTls(this ConnectionDelegate next, IServiceProvider services, Action<Exception, string> failed) => async connection =>
    {
        // Resolved per handshake: the hosting library's IServerCertificate (PEM or self-signed)
        // stays the single source, and a renewed certificate is picked up.
        var certificate = services.GetRequiredService<IServerCertificate>().Certificate;
        var tls = await StartTlsHandshake.TryAsync(connection, certificate, exception => failed(exception, connection.ConnectionId), connection.ConnectionClosed).ConfigureAwait(false);
        if (tls is null)
        {
            return;
        }

        var plain = connection.Transport;
        var transport = new TlsTransport(tls);
        connection.Transport = transport;
        connection.Features.Set(new ImplicitTlsFeature());
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            await transport.Input.CompleteAsync().ConfigureAwait(false);
            await transport.Output.CompleteAsync().ConfigureAwait(false);
            await tls.DisposeAsync().ConfigureAwait(false);
            connection.Transport = plain;
        }
    };

    private sealed class TlsTransport(SslStream tls) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));

        public PipeWriter Output { get; } = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
    }
}

/// <summary>Marks a connection that arrived on an implicit-TLS port and completed its handshake.</summary>
internal sealed class ImplicitTlsFeature;
