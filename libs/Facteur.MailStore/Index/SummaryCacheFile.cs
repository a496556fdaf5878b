using System.Text;
using System.Text.Json;

namespace Facteur.MailStore.Index;

/// <summary>
/// <c>facteur-cache</c>: parsed summaries, appended under the uidlist lock, one line each:
/// <c>&lt;key&gt;\t&lt;json&gt;\n</c>. <c>facteur-index</c> holds each message's offset and length, so a
/// summary is one positioned read. The key at the start of the line guards against a stale offset
/// (a rebuilt cache): a mismatch reads as a miss and the message is parsed again.
/// </summary>
internal static class SummaryCacheFile
{
    public const string FileName = "facteur-cache";

    private static readonly JsonSerializerOptions Json = new()
    {
        IgnoreReadOnlyProperties = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static MessageSummary? Read(string path, long offset, int length, string key)
    {
        if (offset < 0 || length <= 0)
        {
            return null;
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
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

            return JsonSerializer.Deserialize<MessageSummary>(buffer.AsSpan(tab + 1), Json);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Appends summaries (the caller holds the folder lock); returns each one's offset and length.</summary>
    public static List<(long Offset, int Length)> Append(string path, IReadOnlyList<(string Key, MessageSummary Summary)> items)
    {
        var positions = new List<(long, int)>(items.Count);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var offset = stream.Position;
        using var buffer = new MemoryStream();
        foreach (var (key, summary) in items)
        {
            var start = buffer.Position;
            buffer.Write(Encoding.UTF8.GetBytes(key));
            buffer.WriteByte((byte)'\t');
            buffer.Write(JsonSerializer.SerializeToUtf8Bytes(summary, Json));
            var length = (int)(buffer.Position - start);
            buffer.WriteByte((byte)'\n');
            positions.Add((offset + start, length));
        }

        buffer.Position = 0;
        buffer.CopyTo(stream);
        stream.Flush(flushToDisk: true);
        return positions;
    }
}
