using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailStore.Index;

/// <summary>
/// <c>facteur-cache</c>: parsed summaries and rendered FETCH items, appended under the uidlist lock,
/// after a version line <c>facteur-cache 2</c>, one entry a line:
/// <c>&lt;key&gt;\t&lt;summary json&gt;\n</c> or <c>f:&lt;key&gt;\t&lt;fetch items json&gt;\n</c>.
/// <c>facteur-index</c> holds each message's offsets and lengths, so a cached item is one positioned
/// read. The key at the start of the line guards against a stale offset (a rebuilt cache): a mismatch
/// reads as a miss and the message is parsed again. A file of another version is started afresh.
/// </summary>
internal static class SummaryCacheFile
{
    public const string FileName = "facteur-cache";

    private const string FetchPrefix = "f:";
    private static readonly byte[] Header = "facteur-cache 2\n"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new()
    {
        IgnoreReadOnlyProperties = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static MessageSummary? Read(string path, long offset, int length, string key)
    {
        using var handle = OpenForReading(path);
        return handle is null ? null : ReadEntry<MessageSummary>(handle, offset, length, key);
    }

    public static RenderedFetchItems? ReadFetchItems(SafeFileHandle handle, long offset, int length, string key) =>
        ReadEntry<RenderedFetchItems>(handle, offset, length, FetchPrefix + key);

    /// <summary>The cache opened for positioned reads, or null when there is none.</summary>
    public static SafeFileHandle? OpenForReading(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static T? ReadEntry<T>(SafeFileHandle handle, long offset, int length, string key)
        where T : class
    {
        if (offset < Header.Length || length <= 0)
        {
            return null;
        }

        try
        {
            var buffer = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(read), offset + read);
                if (n == 0)
                {
                    return null;
                }

                read += n;
            }

            var tab = Array.IndexOf(buffer, (byte)'\t');
            if (tab < 0 || Encoding.UTF8.GetString(buffer, 0, tab) != key)
            {
                return null;
            }

            return JsonSerializer.Deserialize<T>(buffer.AsSpan(tab + 1), Json);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Appends summaries and rendered FETCH items (the caller holds the folder lock); returns each one's offset and length, in order.</summary>
    public static List<(long Offset, int Length)> Append(string path, IReadOnlyList<(string Key, object Item)> items)
    {
        var positions = new List<(long, int)>(items.Count);
        using var stream = OpenForAppend(path);
        var offset = stream.Position;
        using var buffer = new MemoryStream();
        foreach (var (key, item) in items)
        {
            var start = buffer.Position;
            buffer.Write(Encoding.UTF8.GetBytes(item is RenderedFetchItems ? FetchPrefix + key : key));
            buffer.WriteByte((byte)'\t');
            buffer.Write(JsonSerializer.SerializeToUtf8Bytes(item, item.GetType(), Json));
            var length = (int)(buffer.Position - start);
            buffer.WriteByte((byte)'\n');
            positions.Add((offset + start, length));
        }

        buffer.Position = 0;
        buffer.CopyTo(stream);

        // No fsync: the cache is rebuildable. If a crash loses these bytes while the index (which is
        // fsynced) keeps their offsets, the read finds another key or zeros there and parses again.
        stream.Flush();
        return positions;
    }

    /// <summary>Opens the cache at its end, writing the version line first into a new file and starting afresh over a file of another version.</summary>
    private static FileStream OpenForAppend(string path)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var head = new byte[Header.Length];
        var current = stream.Length >= Header.Length && stream.Read(head) == head.Length && head.AsSpan().SequenceEqual(Header);
        if (!current)
        {
            // Empty, or written by an older Facteur: its entries are never read by this version.
            stream.SetLength(0);
            stream.Write(Header);
        }

        stream.Seek(0, SeekOrigin.End);
        return stream;
    }
}
