using System.Net.Sockets;
using System.Text;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>
/// A bare TCP client for what real clients refuse to send (garbage, huge lines, NUL, smuggling).
/// Replies are parsed as RFC 5321 §4.2 multi-line replies.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient tcp;
    private Stream stream;
    private readonly List<byte> pending = [];

    private RawSmtpClient(TcpClient tcp)
    {
        this.tcp = tcp;
        stream = tcp.GetStream();
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port, byte[]? preamble = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var client = new RawSmtpClient(tcp);
        if (preamble is not null)
        {
            await client.SendAsync(preamble);
        }

        return client;
    }

    /// <summary>Connect, read the banner, EHLO.</summary>
    public static async Task<RawSmtpClient> ConnectAndGreetAsync(int port)
    {
        var client = await ConnectAsync(port);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        await client.SendLineAsync("EHLO client.example");
        Assert.StartsWith("250 ", LastLine(await client.ReadReplyAsync()));
        return client;
    }

    public Task SendLineAsync(string line) => SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await stream.WriteAsync(bytes, cts.Token);
        await stream.FlushAsync(cts.Token);
    }

    /// <summary>One complete reply (all its lines, joined by \n); null when the server closed.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
            {
                return lines.Count == 0 ? null : string.Join('\n', lines);
            }

            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join('\n', lines);
            }
        }
    }

    /// <summary>Reads replies until the server closes; returns them.</summary>
    public async Task<List<string>> ReadUntilClosedAsync(int maxReplies = 1000)
    {
        var replies = new List<string>();
        for (var i = 0; i < maxReplies; i++)
        {
            var reply = await ReadReplyAsync();
            if (reply is null)
            {
                break;
            }

            replies.Add(reply);
        }

        return replies;
    }

    public async Task UpgradeToTlsAsync()
    {
        var ssl = new System.Net.Security.SslStream(stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        stream = ssl;
    }

    public static string LastLine(string? reply) => reply?.Split('\n')[^1] ?? "";

    private async Task<string?> ReadLineAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[4096];
        while (true)
        {
            var lf = pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                pending.RemoveRange(0, lf + 1);
                return line;
            }

            int n;
            try
            {
                n = await stream.ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                n = 0; // reset by peer counts as closed
            }

            if (n == 0)
            {
                return null;
            }

            pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        tcp.Dispose();
    }
}
