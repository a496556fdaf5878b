using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>
/// A minimal LMTP server (RFC 2033) on a Unix domain socket that keeps every message it is given.
/// It exists for getmail6: its MDA_lmtp destination delivers in-process, whereas every local
/// destination (Maildir, mboxrd, MDA_external) forks a child per message and installs its SIGCHLD
/// handler only after fork() returns (getmailcore/baseclasses.py, ForkingBase.forkchild), so a child
/// that exits first loses its wake-up and the run fails with "waiting child pid … timed out".
/// </summary>
internal sealed class LmtpSink : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[]> _messages = new();

    public LmtpSink(string socketPath)
    {
        SocketPath = socketPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(16);
        _ = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    public int Count => _messages.Count;

    public IReadOnlyCollection<byte[]> Messages => _messages;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        await using var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            await writer.WriteLineAsync("220 lmtp-sink LMTP ready");
            var recipients = 0;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "LHLO":
                        await writer.WriteLineAsync("250-lmtp-sink\r\n250 8BITMIME");
                        break;
                    case "MAIL":
                        recipients = 0;
                        await writer.WriteLineAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        recipients++;
                        await writer.WriteLineAsync("250 2.1.5 Ok");
                        break;
                    case "DATA" when recipients > 0:
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var content = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                            content.Append(data.StartsWith('.') ? data[1..] : data).Append("\r\n");
                        }

                        _messages.Enqueue(Encoding.Latin1.GetBytes(content.ToString()));
                        // RFC 2033 §4.2: one reply per accepted recipient.
                        for (var i = 0; i < recipients; i++)
                        {
                            await writer.WriteLineAsync("250 2.0.0 Ok");
                        }

                        recipients = 0;
                        break;
                    case "RSET" or "NOOP":
                        recipients = verb == "RSET" ? 0 : recipients;
                        await writer.WriteLineAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Not understood");
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
