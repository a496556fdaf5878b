using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.Relay.Tests;

/// <summary>
/// A small authoritative DNS server on a loopback UDP port, answering MX, A, AAAA and TXT from a
/// table the test fills (RFC 1035 §4 wire format, no compression in answers' data). Names with
/// no record at all get NXDOMAIN; known names without the asked type an empty NOERROR.
/// </summary>
internal sealed class DnsResponder : IAsyncDisposable
{
    private const ushort TypeA = 1, TypeMx = 15, TypeTxt = 16, TypeAaaa = 28;
    private readonly UdpClient udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<(ushort Type, byte[] Data)>> records = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;

    public DnsResponder() => loop = Task.Run(RunAsync);

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)udp.Client.LocalEndPoint!).Port}";

    public ConcurrentQueue<string> Queries { get; } = new();

    public DnsResponder Mx(string domain, ushort preference, string exchange)
    {
        var name = EncodeName(exchange);
        var data = new byte[2 + name.Length];
        BinaryPrimitives.WriteUInt16BigEndian(data, preference);
        name.CopyTo(data, 2);
        return Add(domain, TypeMx, data);
    }

    public DnsResponder A(string name, string address) => Add(name, TypeA, IPAddress.Parse(address).GetAddressBytes());

    public DnsResponder Aaaa(string name, string address) => Add(name, TypeAaaa, IPAddress.Parse(address).GetAddressBytes());

    public DnsResponder Txt(string name, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var data = new List<byte>();
        for (var i = 0; i < bytes.Length; i += 255)
        {
            var chunk = bytes.AsSpan(i, Math.Min(255, bytes.Length - i));
            data.Add((byte)chunk.Length);
            data.AddRange(chunk.ToArray());
        }

        return Add(name, TypeTxt, [.. data]);
    }

    /// <summary>Replaces every TXT record of a name (a domain publishing a new MTA-STS id).</summary>
    public DnsResponder ReplaceTxt(string name, string text)
    {
        var bag = records.GetOrAdd(name.TrimEnd('.'), _ => []);
        records[name.TrimEnd('.')] = new ConcurrentBag<(ushort Type, byte[] Data)>(bag.Where(r => r.Type != TypeTxt));
        return Txt(name, text);
    }

    private DnsResponder Add(string name, ushort type, byte[] data)
    {
        records.GetOrAdd(name.TrimEnd('.'), _ => []).Add((type, data));
        return this;
    }

    /// <summary>The TXT strings of a name, as a DKIM key locator would read them.</summary>
    public string? TxtOf(string name) =>
        records.TryGetValue(name, out var bag) && bag.FirstOrDefault(r => r.Type == TypeTxt) is { Data: not null } r
            ? DecodeTxt(r.Data)
            : null;

    private static string DecodeTxt(byte[] data)
    {
        var text = new StringBuilder();
        for (var i = 0; i < data.Length; i += 1 + data[i])
        {
            text.Append(Encoding.ASCII.GetString(data, i + 1, data[i]));
        }

        return text.ToString();
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await udp.ReceiveAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            try
            {
                var response = Answer(request.Buffer);
                if (response is not null)
                {
                    await udp.SendAsync(response, request.RemoteEndPoint, stop.Token);
                }
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or SocketException)
            {
                // A malformed query: no answer, as a real server might drop it.
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12)
        {
            return null;
        }

        // Question: labels up to the zero byte, then type and class.
        var offset = 12;
        var labels = new List<string>();
        while (query[offset] != 0)
        {
            var length = query[offset];
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, length));
            offset += 1 + length;
        }

        offset++;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;
        var name = string.Join('.', labels);
        Queries.Enqueue($"{name} {type}");

        var known = records.TryGetValue(name, out var bag);
        var answers = known ? bag!.Where(r => r.Type == type).ToList() : [];
        var response = new List<byte>();
        var header = new byte[12];
        header[0] = query[0];
        header[1] = query[1];
        header[2] = (byte)(0x84 | (query[2] & 0x01)); // QR, AA, RD copied
        header[3] = (byte)(0x80 | (known ? 0 : 3));   // RA, RCODE NOERROR or NXDOMAIN
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)answers.Count);
        response.AddRange(header);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var (recordType, data) in answers)
        {
            var rr = new byte[12];
            rr[0] = 0xC0;
            rr[1] = 12; // pointer to the question name
            BinaryPrimitives.WriteUInt16BigEndian(rr.AsSpan(2), recordType);
            BinaryPrimitives.WriteUInt16BigEndian(rr.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt32BigEndian(rr.AsSpan(6), 60);
            BinaryPrimitives.WriteUInt16BigEndian(rr.AsSpan(10), (ushort)data.Length);
            response.AddRange(rr);
            response.AddRange(data);
        }

        return [.. response];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        udp.Dispose();
        await loop;
        stop.Dispose();
    }
}
