using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Relay.Tests;

/// <summary>One transaction the sink saw to its end of data.</summary>
internal sealed record SinkTransaction(string Helo, string MailFrom, IReadOnlyList<string> Recipients, IReadOnlyList<string> RcptLines, byte[] Data);

/// <summary>
/// A test SMTP server on a loopback port that answers each RCPT as the test scripted it: a queue
/// of replies per recipient (e.g. "450 4.2.0 try later" then nothing = 250), and optionally a
/// reply to the end of data. ESMTP with 8BITMIME, SIZE, DSN and ENHANCEDSTATUSCODES; no
/// PIPELINING, so commands arrive one by one.
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> scripts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;

    public SmtpSink(IPAddress? address = null, int port = 0)
    {
        listener = new TcpListener(address ?? IPAddress.Loopback, port);
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public ConcurrentQueue<SinkTransaction> Transactions { get; } = new();

    public ConcurrentQueue<string> RcptAttempts { get; } = new();

    /// <summary>Reply to the end of data (null: 250).</summary>
    public string? DataReply { get; set; }

    public SmtpSink Script(string recipient, params string[] replies)
    {
        var queue = scripts.GetOrAdd(recipient, _ => new ConcurrentQueue<string>());
        foreach (var reply in replies)
        {
            queue.Enqueue(reply);
        }

        return this;
    }

    /// <summary>Waits (bounded) until a transaction satisfying <paramref name="predicate"/> arrived.</summary>
    public async Task<SinkTransaction> WaitForAsync(Func<SinkTransaction, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (Transactions.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The sink received no matching transaction.");
            }

            await Task.Delay(25);
        }
    }

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

            _ = Task.Run(() => SessionAsync(client));
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink.test ESMTP");
            string helo = string.Empty, from = string.Empty;
            var recipients = new List<string>();
            var rcptLines = new List<string>();
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        helo = line[5..];
                        await writer.WriteAsync("250-sink.test\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n");
                        break;
                    case "HELO":
                        helo = line[5..];
                        await writer.WriteLineAsync("250 sink.test");
                        break;
                    case "MAIL":
                        from = Between(line, '<', '>');
                        recipients.Clear();
                        rcptLines.Clear();
                        await writer.WriteLineAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        var rcpt = Between(line, '<', '>');
                        RcptAttempts.Enqueue(rcpt);
                        var reply = scripts.TryGetValue(rcpt, out var queue) && queue.TryDequeue(out var scripted) ? scripted : "250 2.1.5 Ok";
                        if (reply.StartsWith('2'))
                        {
                            recipients.Add(rcpt);
                            rcptLines.Add(line);
                        }

                        await writer.WriteLineAsync(reply);
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new MemoryStream();
                        while (await reader.ReadLineAsync(stop.Token) is { } dataLine && dataLine != ".")
                        {
                            var unstuffed = dataLine.StartsWith('.') ? dataLine[1..] : dataLine;
                            data.Write(Encoding.Latin1.GetBytes(unstuffed + "\r\n"));
                        }

                        var final = DataReply ?? "250 2.0.0 Ok: queued";
                        if (final.StartsWith('2'))
                        {
                            Transactions.Enqueue(new SinkTransaction(helo, from, [.. recipients], [.. rcptLines], data.ToArray()));
                        }

                        await writer.WriteLineAsync(final);
                        break;
                    case "RSET":
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private static string Between(string line, char open, char close)
    {
        var start = line.IndexOf(open, StringComparison.Ordinal);
        var end = line.IndexOf(close, start + 1);
        return start < 0 || end < 0 ? string.Empty : line[(start + 1)..end];
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
