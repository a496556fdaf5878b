using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Facteur.MailboxApi.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>COMPRESS=DEFLATE (RFC 4978): raw deflate both ways after the tagged OK, on plain, STARTTLS and implicit-TLS connections.</summary>
public sealed class CompressTests
{
    private static string BigMessage(int lines) =>
        MaildirSeed.Message("big", string.Concat(Enumerable.Range(0, lines).Select(i => $"line {i} of a long and repetitive body that compresses well\r\n")));

    [Theory]
    [InlineData(SecureSocketOptions.None)]
    [InlineData(SecureSocketOptions.StartTls)]
    [InlineData(SecureSocketOptions.SslOnConnect)]
    public async Task Mailkit_works_through_compression_on_plain_starttls_and_implicit_tls(SecureSocketOptions security)
    {
        await using var server = await ImapTestServer.StartAsync();
        var big = BigMessage(5000);
        server.Deliver(big);
        server.Deliver(MaildirSeed.Message("small", "hello\r\n"));
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", security == SecureSocketOptions.SslOnConnect ? server.TlsPort : server.Port, security);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync();

        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(2, client.Inbox.Count);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.UniqueId);
        Assert.Equal(["big", "small"], summaries.Select(s => s.Envelope!.Subject));
        var message = await client.Inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Contains("line 4999 of a long", message.TextBody!, StringComparison.Ordinal);
        Assert.Single(await client.Inbox.SearchAsync(SearchQuery.SubjectContains("small")));
        await client.Inbox.AddFlagsAsync(summaries[1].UniqueId, MessageFlags.Flagged, silent: false);
        await client.NoOpAsync();
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Idle_wakes_through_compression_when_mail_arrives()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("first", "one\r\n"));
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        await client.CompressAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) =>
        {
            if (client.Inbox.Count == 2)
            {
                arrived.TrySetResult();
            }
        };
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(300);
        server.Deliver(MaildirSeed.Message("second", "two\r\n"));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await done.CancelAsync();
        await idle;
        Assert.Equal(2, client.Inbox.Count);
        await client.DisconnectAsync(true);
    }

    /// <summary>The RFC 4978 §3 example, replayed with .NET's raw deflate: OK in clear, then both directions compressed; a second COMPRESS is refused.</summary>
    [Fact]
    public async Task Rfc4978_example_ok_in_clear_then_compressed_both_ways_and_second_compress_refused()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("hello", "world\r\n"));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 30_000;
        var clear = new ClearLines(stream);
        Assert.StartsWith("* OK", await clear.ReadLineAsync());
        Assert.StartsWith("a BAD", await clear.CommandAsync("a", "COMPRESS DEFLATE")); // not before authentication
        Assert.StartsWith("l OK", await clear.CommandAsync("l", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""));
        Assert.StartsWith("x BAD", await clear.CommandAsync("x", "COMPRESS LZMA"));
        Assert.StartsWith("b OK", await clear.CommandAsync("b", "COMPRESS DEFLATE"));

        await using var deflate = new DeflateStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        await using var inflate = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new StreamReader(inflate, Encoding.ASCII);
        async Task<List<string>> Command(string tag, string command)
        {
            var bytes = Encoding.ASCII.GetBytes($"{tag} {command}\r\n");
            await deflate.WriteAsync(bytes);
            await deflate.FlushAsync(); // Z_SYNC_FLUSH: the server must answer without more input
            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("closed");
                lines.Add(line);
                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    return lines;
                }
            }
        }

        Assert.Equal(["c OK Completed."], await Command("c", "NOOP"));
        Assert.StartsWith("d NO [COMPRESSIONACTIVE]", (await Command("d", "COMPRESS DEFLATE"))[^1]);
        var select = await Command("e", "SELECT INBOX");
        Assert.Contains("* 1 EXISTS", select);
        Assert.Contains(await Command("f", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), l => l.Contains("Subject: hello", StringComparison.Ordinal));
        var logout = await Command("g", "LOGOUT");
        Assert.StartsWith("* BYE", logout[0]);
    }

    [Fact]
    public async Task Garbage_instead_of_deflate_data_closes_that_connection_only()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using (var client = await RawImapClient.ConnectAsync(server.Port))
        {
            await client.CommandAsync("l", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
            Assert.StartsWith("c OK", (await client.CommandAsync("c", "COMPRESS DEFLATE"))[^1]);
            // 0xFF starts a deflate block of the reserved type 11: invalid in any deflate stream.
            await client.SendRawAsync([0xFF, 0xFF, 0xFF, 0xFF, .. Encoding.ASCII.GetBytes("d NOOP\r\n")]);
            Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(20)));
        }

        await using var next = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("l OK", (await next.CommandAsync("l", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1]);
    }

    private const string ZlibScript = """
import socket, sys, zlib, hashlib
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(('127.0.0.1', port), timeout=30)
buf = b''
def clear_until(tag):
    global buf
    while True:
        while b'\r\n' in buf:
            line, buf = buf.split(b'\r\n', 1)
            if line.startswith(tag + b' '):
                return line
        buf += s.recv(65536)
clear_until(b'*')
s.sendall(b'l LOGIN ' + user.encode() + b' "' + password.encode() + b'"\r\n')
print('login=' + clear_until(b'l').decode())
s.sendall(b'c COMPRESS DEFLATE\r\n')
print('compress=' + clear_until(b'c').decode())
comp = zlib.compressobj(6, zlib.DEFLATED, -15)
dec = zlib.decompressobj(-15)
first = None
data = b''
def send(raw):
    s.sendall(comp.compress(raw) + comp.flush(zlib.Z_SYNC_FLUSH))
def fill():
    global data, first
    chunk = s.recv(65536)
    if not chunk:
        raise SystemExit('closed')
    if first is None:
        first = chunk
    data += dec.decompress(chunk)
def tagged(tag):
    global data
    while True:
        end = data.find(b'\r\n' + tag + b' ')
        if data.startswith(tag + b' ') or end >= 0:
            stop = data.find(b'\r\n', end + 2 if end >= 0 else 0)
            if stop >= 0:
                out, data = data[:stop + 2], data[stop + 2:]
                return out
        fill()
def command(tag, text):
    send(tag + b' ' + text + b'\r\n')
    return tagged(tag)
out = command(b's', b'SELECT INBOX')
print('exists=' + str(b'* 1 EXISTS' in out))
try:
    zlib.decompressobj().decompress(first)
    print('zlibheader=True')
except zlib.error:
    print('zlibheader=False')
out = command(b'f', b'FETCH 1 BODY.PEEK[]')
head, rest = out.split(b'}\r\n', 1)
size = int(head[head.rindex(b'{') + 1:])
print('md5=' + hashlib.md5(rest[:size]).hexdigest())
message = b'Subject: appended under compression\r\n\r\n' + b'z' * 50000 + b'\r\n'
send(b'a APPEND INBOX {%d}\r\n' % len(message))
while not data.endswith(b'\r\n'):
    fill()
print('continuation=' + data.decode().strip())
data = b''
send(message + b'\r\n')
print('append=' + tagged(b'a').decode().strip().splitlines()[-1])
out = command(b'g', b'UID FETCH 2 (RFC822.SIZE)')
print('appendedsize=' + str(b'RFC822.SIZE %d' % len(message) in out))
print('logout=' + command(b'o', b'LOGOUT').decode().splitlines()[-1])
""";

    [Fact]
    public async Task Python_zlib_raw_deflate_client_reads_a_large_body_through_compression()
    {
        await using var server = await ImapTestServer.StartAsync();
        var big = BigMessage(20000);
        server.Deliver(big);
        var output = await Python.RunAsync(ZlibScript, server.Port.ToString(CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Contains('=', StringComparison.Ordinal)).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        Assert.True(lines.Count == 9, output);
        Assert.StartsWith("l OK", lines["login"]);
        Assert.StartsWith("c OK", lines["compress"]);
        Assert.Equal("True", lines["exists"]);
        Assert.Equal("False", lines["zlibheader"]); // raw deflate, no zlib header (RFC 4978 §3)
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(big))), lines["md5"]);
        Assert.StartsWith("+ ", lines["continuation"]); // a synchronizing literal's "+" is flushed through the compressor
        Assert.StartsWith("a OK [APPENDUID", lines["append"]);
        Assert.Equal("True", lines["appendedsize"]);
        Assert.StartsWith("o OK", lines["logout"]);
    }

    /// <summary>Line reading on the socket before compression starts, without reading ahead past the line.</summary>
    private sealed class ClearLines(NetworkStream stream)
    {
        public async Task<string> CommandAsync(string tag, string command)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
            while (true)
            {
                var line = await ReadLineAsync();
                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }

        public async Task<string> ReadLineAsync()
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one) == 0)
                {
                    throw new IOException("closed");
                }

                if (one[0] == '\n')
                {
                    return Encoding.ASCII.GetString([.. bytes]).TrimEnd('\r');
                }

                bytes.Add(one[0]);
            }
        }
    }
}
