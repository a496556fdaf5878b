using System.Net.Sockets;
using System.Text;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>A bare socket client for what real clients never send: overlong lines, garbage, drops mid-transfer.</summary>
internal sealed class RawPop3Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _pending = new();

    private RawPop3Client(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<RawPop3Client> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawPop3Client(tcp);
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    /// <summary>Connects and sends <paramref name="preamble"/> (a PROXY header) before reading the greeting.</summary>
    public static async Task<RawPop3Client> ConnectAfterAsync(int port, byte[] preamble)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawPop3Client(tcp);
        await client.SendRawAsync(preamble);
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    public async Task<string> CommandAsync(string line)
    {
        await SendRawAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        return await ReadLineAsync();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Reads one line (without CRLF); "" when the server closed.</summary>
    public async Task<string> ReadLineAsync()
    {
        var bytes = await ReadLineBytesAsync();
        return bytes is null ? string.Empty : Encoding.UTF8.GetString(bytes, 0, bytes.Length - 2);
    }

    /// <summary>The multi-line body after a +OK status: raw bytes between the status line and the terminating ".\r\n", exactly as sent.</summary>
    public async Task<byte[]> ReadMultiLineRawAsync()
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = await ReadLineBytesAsync() ?? throw new IOException("closed during multi-line response");
            if (line.Length == 3 && line[0] == '.')
            {
                return body.ToArray();
            }

            body.Write(line);
        }
    }

    /// <summary>True when the server closed the connection (reads EOF within the timeout).</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<byte[]?> ReadLineBytesAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var one = new byte[1];
        var line = new MemoryStream();
        while (true)
        {
            var read = await _stream.ReadAsync(one, cts.Token);
            if (read == 0)
            {
                return line.Length == 0 ? null : line.ToArray();
            }

            line.WriteByte(one[0]);
            if (one[0] == '\n')
            {
                return line.ToArray();
            }
        }
    }

    public void Abort() => _tcp.Client.Close(0);

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
