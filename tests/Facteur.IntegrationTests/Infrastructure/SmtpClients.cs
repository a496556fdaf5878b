using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>The real SMTP clients the tests drive: MailKit, swaks and Python's smtplib.</summary>
internal static class SmtpClients
{
    public static MimeMessage Message(string from, string to, string subject, string body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("test.esp.sn");
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static async Task<string> SendAsync(int port, MimeMessage message, IEnumerable<string>? recipients = null, string? user = null, CancellationToken ct = default)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 60_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, ct);
        if (user is not null)
        {
            await client.AuthenticateAsync(user, TestSite.Password, ct);
        }

        var sender = (MailboxAddress)message.From[0];
        var rcpts = (recipients ?? message.To.Mailboxes.Select(m => m.Address)).Select(a => MailboxAddress.Parse(a));
        var response = await client.SendAsync(message, sender, rcpts, ct);
        await client.DisconnectAsync(true, ct);
        return response;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} timed out");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public static Task<(int ExitCode, string Output)> SwaksAsync(params string[] args) =>
        RunAsync("swaks", [.. args, "--server", "127.0.0.1", "--timeout", "30"]);

    /// <summary>Runs a Python 3 snippet (smtplib lives in its standard library).</summary>
    public static Task<(int ExitCode, string Output)> PythonAsync(string script) =>
        RunAsync("python3", ["-c", script]);
}

/// <summary>
/// A raw SMTP conversation for bad-input tests: whatever bytes the test wants, read replies line by line.
/// </summary>
internal sealed class RawSmtp : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;
    private readonly byte[] _buffer = new byte[65536];
    private readonly StringBuilder _pending = new();

    public static async Task<RawSmtp> ConnectAsync(int port)
    {
        var raw = new RawSmtp();
        await raw._client.ConnectAsync("127.0.0.1", port);
        raw._stream = raw._client.GetStream();
        return raw;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one complete reply (all its continuation lines); null when the server closed.</summary>
    public async Task<string?> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var reply = new StringBuilder();
        while (true)
        {
            var text = _pending.ToString();
            var eol = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (eol >= 0)
            {
                var line = text[..eol];
                _pending.Remove(0, eol + 2);
                reply.AppendLine(line);
                if (line.Length < 4 || line[3] != '-')
                {
                    return reply.ToString().TrimEnd();
                }

                continue;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cts.Token);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return reply.Length > 0 ? reply.ToString().TrimEnd() : null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public async Task<string?> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await Task.CompletedTask;
    }
}
