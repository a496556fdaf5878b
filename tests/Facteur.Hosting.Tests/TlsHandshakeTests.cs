using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Facteur.Hosting.Tls;

namespace Facteur.Hosting.Tests;

/// <summary>The loaded certificates work as a server certificate over a real socket, as the SMTP/IMAP listeners use them.</summary>
public sealed class TlsHandshakeTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_generated_self_signed_certificate_completes_a_tls_handshake()
    {
        var (certificate, _) = SelfSignedCertificate.GetOrCreate("localhost", folder.Combine("tls"), DateTimeOffset.UtcNow);

        var (presented, protocol, reply) = await HandshakeAsync(certificate, "localhost");

        Assert.Equal(certificate.Certificate.Thumbprint, presented.Thumbprint);
        Assert.True(protocol >= SslProtocols.Tls12);
        Assert.Equal("220 ready", reply);
    }

    [Fact]
    public async Task A_self_signed_certificate_reloaded_from_the_spool_completes_a_tls_handshake()
    {
        SelfSignedCertificate.GetOrCreate("localhost", folder.Combine("tls"), DateTimeOffset.UtcNow);
        var (reloaded, reused) = SelfSignedCertificate.GetOrCreate("localhost", folder.Combine("tls"), DateTimeOffset.UtcNow);

        var (presented, _, reply) = await HandshakeAsync(reloaded, "localhost");

        Assert.True(reused);
        Assert.Equal(reloaded.Certificate.Thumbprint, presented.Thumbprint);
        Assert.Equal("220 ready", reply);
    }

    [Fact]
    public async Task A_pem_ecdsa_certificate_with_its_intermediate_completes_a_tls_handshake()
    {
        var (fullChain, key, _) = TestCertificates.SignedByIntermediate("mx.example.sn");
        File.WriteAllText(folder.Combine("fullchain.pem"), fullChain);
        File.WriteAllText(folder.Combine("key.pem"), key);
        var certificate = PemCertificateLoader.Load(folder.Combine("fullchain.pem"), folder.Combine("key.pem"));

        var (presented, _, reply) = await HandshakeAsync(certificate, "mx.example.sn");

        Assert.Equal(certificate.Certificate.Thumbprint, presented.Thumbprint);
        Assert.Equal("220 ready", reply);
    }

    private static async Task<(X509Certificate2 Presented, SslProtocols Protocol, string Reply)> HandshakeAsync(IServerCertificate certificate, string targetHost)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
            await using var tls = new SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, certificate.Chain, offline: true),
                },
                timeout.Token);
            await tls.WriteAsync("220 ready\r\n"u8.ToArray(), timeout.Token);
            await tls.FlushAsync(timeout.Token);
        });

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        X509Certificate2? presented = null;
        await using var clientTls = new SslStream(client.GetStream());
        await clientTls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,

                // The test's certificates are not in the machine's trust store; the point is that the handshake completes.
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    presented = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    return true;
                },
            },
            timeout.Token);
        using var reader = new StreamReader(clientTls);
        var reply = await reader.ReadLineAsync(timeout.Token);
        await server;
        return (presented!, clientTls.SslProtocol, reply!);
    }
}
