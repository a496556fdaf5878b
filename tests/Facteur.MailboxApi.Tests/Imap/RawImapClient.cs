using System.Net.Sockets;
using System.Text;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>A bare socket IMAP client for exact wire checks and what real clients never send.</summary>
internal sealed class RawImapClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private RawImapClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<RawImapClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawImapClient(tcp);
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    public async Task SendAsync(string text) => await SendRawAsync(Encoding.UTF8.GetBytes(text));

    public Task SendRawAsync(byte[] bytes) => SendRawAsync(bytes.AsMemory());

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends "tag command" and reads every line up to the tagged completion; returns them all, literals inline.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal) || line.Length == 0)
            {
                return lines;
            }
        }
    }

    /// <summary>One line, with any literal it announces appended; "" when the server closed.</summary>
    public async Task<string> ReadLineAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var line = await ReadRawLineAsync();
            if (line is null)
            {
                return text.ToString();
            }

            var s = Encoding.UTF8.GetString(line);
            text.Append(s);
            var trimmed = s.TrimEnd('\r', '\n');
            if (!trimmed.EndsWith('}') || trimmed.LastIndexOf('{') is var open && open < 0 || !int.TryParse(trimmed[(open + 1)..^1], out var size))
            {
                return text.ToString().TrimEnd('\r', '\n');
            }

            text.Append(Encoding.UTF8.GetString(await ReadBytesAsync(size)));
        }
    }

    public async Task<byte[]> ReadBytesAsync(int count)
    {
        while (_pending.Count < count)
        {
            if (!await FillAsync())
            {
                throw new IOException("closed");
            }
        }

        var bytes = _pending.Take(count).ToArray();
        _pending.RemoveRange(0, count);
        return bytes;
    }

    /// <summary>True when the server closed the connection within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReadRawLineAsync(cts.Token) is not null)
            {
            }

            return true;
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

    private async Task<byte[]?> ReadRawLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = _pending.Take(lf + 1).ToArray();
                _pending.RemoveRange(0, lf + 1);
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[8192];
        var n = await _stream.ReadAsync(buffer, timeout.Token);
        if (n == 0)
        {
            return false;
        }

        _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
