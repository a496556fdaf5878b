using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Facteur.Relay.Tests;

/// <summary>One transaction the sink saw to its end of data.</summary>
internal sealed record SinkTransaction(string Helo, string MailFrom, IReadOnlyList<string> Recipients, IReadOnlyList<string> RcptLines, byte[] Data,
    int Connection = 0, bool Tls = false, string? AuthenticatedAs = null);

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

    /// <summary>RSET commands received (a reused connection starts each transaction with one).</summary>
    public int Resets => resets;

    private int resets;

    /// <summary>QUIT commands received.</summary>
    public int Quits => quits;

    private int quits;

    /// <summary>TCP connections accepted so far.</summary>
    public int Connections => connections;

    private int connections;

    /// <summary>Offers STARTTLS with this certificate (with its private key).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Requires AUTH with these credentials before MAIL (only offered after STARTTLS).</summary>
    public (string User, string Password)? RequiredLogin { get; set; }

    /// <summary>AUTH attempts refused (wrong credentials).</summary>
    public int FailedLogins => failedLogins;

    private int failedLogins;

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
        var connection = Interlocked.Increment(ref connections);
        try
        {
            Stream stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink.test ESMTP");
            string helo = string.Empty, from = string.Empty;
            string? authenticated = null;
            var tls = false;
            var recipients = new List<string>();
            var rcptLines = new List<string>();
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        helo = line[5..];
                        var starttls = Certificate is not null && !tls ? "250-STARTTLS\r\n" : string.Empty;
                        var auth = RequiredLogin is not null && tls ? "250-AUTH PLAIN LOGIN\r\n" : string.Empty;
                        await writer.WriteAsync($"250-sink.test\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n250-DSN\r\n{starttls}{auth}250 ENHANCEDSTATUSCODES\r\n");
                        break;
                    case "HELO":
                        helo = line[5..];
                        await writer.WriteLineAsync("250 sink.test");
                        break;
                    case "STARTTLS" when Certificate is not null && !tls:
                        await writer.WriteLineAsync("220 2.0.0 Ready to start TLS");
                        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(Certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                        stream = ssl;
                        reader = new StreamReader(stream, Encoding.Latin1);
                        writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
                        tls = true;
                        helo = string.Empty;
                        break;
                    case "AUTH" when RequiredLogin is { } login && tls:
                        var user = await ReadLoginAsync(line, reader, writer);
                        if (user is { } sent && sent == login)
                        {
                            authenticated = sent.User;
                            await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                        }
                        else
                        {
                            Interlocked.Increment(ref failedLogins);
                            await writer.WriteLineAsync("535 5.7.8 Authentication credentials invalid");
                        }

                        break;
                    case "MAIL" when RequiredLogin is not null && authenticated is null:
                        await writer.WriteLineAsync("530 5.7.0 Authentication required");
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
                        if (reply == "CLOSE")
                        {
                            return;
                        }

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
                            Transactions.Enqueue(new SinkTransaction(helo, from, [.. recipients], [.. rcptLines], data.ToArray(), connection, tls, authenticated));
                        }

                        await writer.WriteLineAsync(final);
                        break;
                    case "RSET":
                        Interlocked.Increment(ref resets);
                        from = string.Empty;
                        recipients.Clear();
                        rcptLines.Clear();
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        Interlocked.Increment(ref quits);
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or System.Security.Authentication.AuthenticationException)
        {
        }
    }

    /// <summary>AUTH PLAIN (RFC 4616, initial response or 334 continuation) or AUTH LOGIN; the user and password sent.</summary>
    private static async Task<(string User, string Password)?> ReadLoginAsync(string line, StreamReader reader, StreamWriter writer)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var mechanism = words.Length > 1 ? words[1].ToUpperInvariant() : string.Empty;
        if (mechanism == "PLAIN")
        {
            var response = words.Length > 2 ? words[2] : await Continue(string.Empty);
            var parts = Decode(response)?.Split('\0');
            return parts is { Length: 3 } ? (parts[1], parts[2]) : null;
        }

        if (mechanism == "LOGIN")
        {
            var user = Decode(words.Length > 2 ? words[2] : await Continue("VXNlcm5hbWU6"));
            var password = Decode(await Continue("UGFzc3dvcmQ6"));
            return user is null || password is null ? null : (user, password);
        }

        return null;

        async Task<string> Continue(string challenge)
        {
            await writer.WriteLineAsync("334 " + challenge);
            return await reader.ReadLineAsync() ?? string.Empty;
        }

        static string? Decode(string text)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                return null;
            }
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
