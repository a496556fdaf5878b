using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Facteur.Relay.Tests;

/// <summary>
/// The HTTPS side of MTA-STS for the tests (RFC 8461 §3.2): answers
/// <c>GET /.well-known/mta-sts.txt</c> on a loopback port with the policy of the domain named in
/// the Host header, over TLS with a certificate the test chose. One request per connection.
/// </summary>
internal sealed class MtaStsPolicyServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, string> policies = new(StringComparer.OrdinalIgnoreCase);
    private readonly X509Certificate2 certificate;
    private readonly Task loop;

    public MtaStsPolicyServer(X509Certificate2 certificate)
    {
        this.certificate = certificate;
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>The value for <c>Relay:MtaStsPolicyUrlTemplate</c>.</summary>
    public string UrlTemplate => $"https://mta-sts.{{domain}}:{Port}/.well-known/mta-sts.txt";

    /// <summary>Hosts (Host header) of the requests served, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public void Policy(string domain, string mode, int maxAge, params string[] mx) =>
        policies[domain] = "version: STSv1\r\nmode: " + mode + "\r\n" + string.Concat(mx.Select(m => "mx: " + m + "\r\n")) + $"max_age: {maxAge}\r\n";

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
            var reader = new StreamReader(ssl, Encoding.ASCII);
            var requestLine = await reader.ReadLineAsync(stop.Token) ?? string.Empty;
            var host = string.Empty;
            while (await reader.ReadLineAsync(stop.Token) is { Length: > 0 } header)
            {
                if (header.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
                {
                    host = header[5..].Trim().Split(':')[0];
                }
            }

            Requests.Enqueue(host);
            var domain = host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase) ? host[8..] : host;
            string? policy = null;
            var found = requestLine.StartsWith("GET /.well-known/mta-sts.txt ", StringComparison.Ordinal) && policies.TryGetValue(domain, out policy);
            var body = found ? policy! : "not found\n";
            var response = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await ssl.WriteAsync(Encoding.ASCII.GetBytes(response), stop.Token);
            await ssl.FlushAsync(stop.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or System.Security.Authentication.AuthenticationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
