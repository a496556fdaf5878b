using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Bench.SmtpIngest;

/// <summary>
/// C concurrent SMTP sessions over raw sockets sharing N messages. Each transaction pipelines
/// MAIL, RCPT and DATA in one write (RFC 2920 §3.1: DATA may end a group), then sends the
/// message; the time of the final 250 is the message's accept time.
/// </summary>
internal sealed class SmtpLoad(int port, string recipient, MessageFactory messages, int count, int concurrency)
{
    private int next = -1;
    private int rejected;

    /// <summary>Stopwatch timestamp of each message's 250, 0 when it was not accepted.</summary>
    public long[] AcceptedAt { get; } = new long[count];

    public int Rejected => rejected;

    public List<string> Errors { get; } = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var sessions = Enumerable.Range(0, concurrency).Select(session => Task.Run(() => SessionAsync(session, cancellationToken), cancellationToken));
        await Task.WhenAll(sessions);
    }

    private async Task SessionAsync(int session, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            await using var stream = client.GetStream();
            var reader = new ReplyReader(stream);
            Expect(await reader.ReadAsync(cancellationToken), 220, "greeting");
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"EHLO session{session}.bench.test\r\n"), cancellationToken);
            Expect(await reader.ReadAsync(cancellationToken), 250, "EHLO");

            var envelope = Encoding.ASCII.GetBytes($"MAIL FROM:<sender@bench.test>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n");
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await stream.WriteAsync(envelope, cancellationToken);
                var mail = await reader.ReadAsync(cancellationToken);
                var rcpt = await reader.ReadAsync(cancellationToken);
                var data = await reader.ReadAsync(cancellationToken);
                if (data.Code != 354)
                {
                    Reject(index, $"MAIL {mail.Code} RCPT {rcpt.Code} DATA {data.Code} {data.Text}");
                    continue;
                }

                await messages.WriteAsync(stream, index, cancellationToken);
                var final = await reader.ReadAsync(cancellationToken);
                if (final.Code == 250)
                {
                    AcceptedAt[index] = Stopwatch.GetTimestamp();
                }
                else
                {
                    Reject(index, $"end of DATA {final.Code} {final.Text}");
                }
            }

            await stream.WriteAsync("QUIT\r\n"u8.ToArray(), cancellationToken);
            await reader.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException or BenchException)
        {
            lock (Errors)
            {
                Errors.Add($"session {session}: {ex.Message}");
            }
        }
    }

    private void Reject(int index, string reason)
    {
        if (Interlocked.Increment(ref rejected) <= 5)
        {
            lock (Errors)
            {
                Errors.Add($"message {index}: {reason}");
            }
        }
    }

    private static void Expect(SmtpReply reply, int code, string step)
    {
        if (reply.Code != code)
        {
            throw new BenchException($"{step}: expected {code}, got {reply.Code} {reply.Text}");
        }
    }
}

internal readonly record struct SmtpReply(int Code, string Text);

/// <summary>Reads (multi-line) SMTP replies (RFC 5321 §4.2.1) from a buffered stream.</summary>
internal sealed class ReplyReader(Stream stream)
{
    private readonly byte[] buffer = new byte[16 * 1024];
    private int start;
    private int end;

    public async Task<SmtpReply> ReadAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        var text = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(timeout.Token);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
            {
                throw new BenchException($"malformed reply line '{line}'");
            }

            text.Append(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] == ' ')
            {
                return new SmtpReply(code, text.ToString());
            }

            text.Append(' ');
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString(buffer, start, newline - start).TrimEnd('\r');
                start = newline + 1;
                return line;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                throw new BenchException("reply line longer than 16 KiB");
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            if (read == 0)
            {
                throw new BenchException("the server closed the connection");
            }

            end += read;
        }
    }
}
