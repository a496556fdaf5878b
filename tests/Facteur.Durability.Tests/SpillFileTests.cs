using System.Text;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway.Intake;

namespace Facteur.Durability.Tests;

/// <summary>
/// The RabbitMQ intake's spill file (a message above the inline threshold, which becomes its claim) is
/// written synchronously; it must be the same format-2 file, octet for octet, as one written asynchronously.
/// </summary>
public sealed class SpillFileTests : IDisposable
{
    private readonly TempRoot root = new();

    public SpillFileTests() => Directory.CreateDirectory(root.Path);

    public void Dispose() => root.Dispose();

    private static byte[] Message(int octets)
    {
        var builder = new StringBuilder("Subject: spill\r\n\r\n");
        for (var line = 0; builder.Length < octets; line++)
        {
            builder.Append(line.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append(' ', 70).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static FileStream Create(string path, bool asynchronous) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.Read,
        BufferSize = 64 * 1024,
        Options = asynchronous ? FileOptions.Asynchronous : FileOptions.None,
    });

    private async Task<string> SpillAsync(string name, byte[] message, byte[] prefix, bool asynchronous)
    {
        var path = Path.Combine(root.Path, name);
        await using var spooled = new SpooledMessage(name, path, () => Create(path, asynchronous), memoryLimit: 4096) { HeaderPrefix = prefix };
        // Uneven chunks, as a socket delivers them: the first ones stay in memory, then the file takes over.
        for (var offset = 0; offset < message.Length; offset += 3001)
        {
            await spooled.Content.WriteAsync(message.AsMemory(offset, Math.Min(3001, message.Length - offset)));
        }

        await spooled.SealOpenAsync([], CancellationToken.None);
        spooled.SyncAndClose();
        spooled.Committed = true;
        return path;
    }

    [Fact]
    public async Task A_spill_file_written_synchronously_is_the_same_verified_claim_as_one_written_asynchronously()
    {
        var message = Message(100 * 1024);
        var prefix = Encoding.ASCII.GetBytes("Authentication-Results: mx.example.test; spf=none\r\n");

        var synchronous = await SpillAsync("sync.eml", message, prefix, asynchronous: false);
        var asynchronous = await SpillAsync("async.eml", message, prefix, asynchronous: true);

        Assert.Equal(await File.ReadAllBytesAsync(asynchronous), await File.ReadAllBytesAsync(synchronous));
        Assert.True(SpoolTrailer.TryVerify(synchronous, out var layout, out var readPrefix, out _));
        Assert.Equal(message.Length, layout.MessageLength);
        Assert.Equal(prefix, readPrefix);
        await using var content = SpoolTrailer.OpenContent(synchronous, formatTwo: true);
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        Assert.Equal([.. prefix, .. message], copy.ToArray());
    }
}
