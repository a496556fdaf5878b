using System.Security.Cryptography;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public sealed class LargeMessageTests
{
    private const long MessageSize = 50L * 1024 * 1024;

    [Fact]
    public async Task A_50_MB_message_imports_and_exports_with_bounded_memory()
    {
        using var scratch = new Scratch();
        var mboxPath = scratch["big.mbox"];
        string expectedHash;
        using (var file = new FileStream(mboxPath, FileMode.CreateNew))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            file.Write("From big@esp.sn Mon Mar  3 03:03:03 2025\n"u8);
            void Body(ReadOnlySpan<byte> bytes)
            {
                file.Write(bytes);
                hash.AppendData(bytes);
            }

            Body("Subject: big\nContent-Type: application/octet-stream\n\n"u8);
            var line = new byte[1000];
            Random.Shared.NextBytes(line);
            for (var i = 0; i < line.Length; i++)
            {
                line[i] = (byte)('A' + (line[i] % 26));
            }

            line[^1] = (byte)'\n';
            var written = 0L;
            var round = 0;
            while (written < MessageSize)
            {
                Body(line);
                written += line.Length;
                // One 3 MB line without a newline among the rest: no line is ever held whole.
                if (round++ == 100)
                {
                    var longLine = new byte[3 * 1024 * 1024];
                    longLine.AsSpan().Fill((byte)'x');
                    Body(longLine);
                    Body("\n"u8);
                    written += longLine.Length + 1;
                }
            }

            expectedHash = Convert.ToHexString(hash.GetHashAndReset());
        }

        var folder = UserMaildir.Open(scratch["mail"], "big@esp.sn").Inbox;
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await using (var input = File.OpenRead(mboxPath))
        {
            await new MboxImport(folder).ImportAsync(input, CancellationToken.None);
        }

        await using (var output = new FileStream(scratch["out.mbox"], FileMode.CreateNew))
        {
            await MboxExport.ExportAsync(folder, output, CancellationToken.None);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var snapshot = await folder.SynchronizeAsync();
        var message = Assert.Single(snapshot.Messages);
        await using (var stored = File.OpenRead(folder.FullPath(message)))
        {
            Assert.Equal(expectedHash, Convert.ToHexString(await SHA256.HashDataAsync(stored)));
        }

        Assert.True(new FileInfo(scratch["out.mbox"]).Length > MessageSize);
        // Reading and writing 100 MB allocated a few buffers, not the message.
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MB for a {MessageSize / 1024 / 1024} MB message");
    }
}
