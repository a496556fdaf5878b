using System.Globalization;
using System.Text;

namespace Facteur.MailStore.Index;

/// <summary>
/// <c>facteur-index.log</c>: the change log beside <c>facteur-index</c>, appended under the uidlist lock
/// so a flag change costs one short write instead of a rewrite of the whole index.
/// <code>
/// facteur-index-log 3 G&lt;generation of the base it extends&gt;
/// E &lt;index line&gt;            (a message added or changed: the whole line, as in the base)
/// F &lt;uid&gt; &lt;modseq&gt; &lt;info&gt;  (a flag change: the message is in cur/ as its key followed by info, ":2,…")
/// X &lt;uid&gt; &lt;modseq&gt;         (an expunge)
/// D &lt;stamp&gt; | D -          (the directory stamp)
/// C &lt;highestmodseq&gt; &lt;hash&gt;  (commits the records since the previous C; hash = FNV-1a 64 of their bytes)
/// </code>
/// A batch is applied only when its C line is there and its hash matches: a write torn by a crash (or a
/// disk that lost a page) reads as a corrupt log, and the index is rebuilt from the Maildir — flags are
/// never taken from a half-written record.
/// Version 3 added F: a STORE on a whole folder appends one short record per message (≈ 25 bytes,
/// about a fifth of an E line) instead of rewriting the base. A version 2 log (no F) is still read;
/// F is never appended to one (the base is written instead, and its log starts as version 3), and a
/// Facteur that knows only version 2 finds the header unknown and rebuilds rather than misreads.
/// </summary>
internal static class FolderIndexLog
{
    /// <summary>The version written; <see cref="ReadableMagics"/> are read.</summary>
    public const int Version = 3;
    private const string Magic = "facteur-index-log 3 G";
    private static readonly string[] ReadableMagics = [Magic, "facteur-index-log 2 G"];

    public static string PathOf(string indexPath) => indexPath + ".log";

    /// <summary>The log's length in bytes, 0 when there is none.</summary>
    public static long Length(string indexPath)
    {
        var info = new FileInfo(PathOf(indexPath));
        return info.Exists ? info.Length : 0;
    }

    /// <summary>The base generation named in the log's header, or null when there is no readable header.</summary>
    public static long? ReadGeneration(string indexPath)
    {
        try
        {
            using var handle = File.OpenHandle(PathOf(indexPath), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> head = stackalloc byte[64];
            var read = RandomAccess.Read(handle, head, 0);
            var lf = head[..read].IndexOf((byte)'\n');
            var text = lf < 0 ? string.Empty : Encoding.ASCII.GetString(head[..lf]);
            return ParseHeader(text) is { } header ? header.Generation : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Empties the log and starts it for the base of <paramref name="generation"/>; returns its length. Not
    /// fsynced here: the batch appended next is, and a log whose header was lost reads as no log.
    /// </summary>
    public static long Start(string indexPath, long generation)
    {
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic}{generation}\n"));
        using var stream = new FileStream(PathOf(indexPath), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.SetLength(0);
        stream.Write(header);
        return header.Length;
    }

    /// <summary>
    /// Appends one committed batch; returns the new length, or null when the log is not the length this
    /// process last saw (the caller then writes a new base, which is always safe).
    /// </summary>
    /// <param name="flushToDisk">False: the caller fsyncs later with <see cref="Fsync"/> (a sync's batch, whose
    /// content the uidlist and the Maildir can give back); every batch appended after it with true covers it too.</param>
    public static long? Append(string indexPath, long generation, long expectedLength, string records, ulong highestModSeq, bool flushToDisk = true)
    {
        _ = generation; // the header, checked when the log was read, ties it to the base
        var bytes = Encoding.UTF8.GetBytes(records);
        var commit = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"C {highestModSeq} {Hash(bytes):x16}\n"));
        try
        {
            using var stream = new FileStream(PathOf(indexPath), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length != expectedLength)
            {
                return null;
            }

            stream.Position = expectedLength;
            var buffer = new byte[bytes.Length + commit.Length];
            bytes.CopyTo(buffer, 0);
            commit.CopyTo(buffer, bytes.Length);
            stream.Write(buffer); // one write: a crash leaves a prefix, which the hash rejects
            stream.Flush(flushToDisk);
            return stream.Length;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>fsync(2) of the log: makes batches appended without it durable. No log, nothing to do.</summary>
    public static void Fsync(string indexPath)
    {
        try
        {
            using var stream = new FileStream(PathOf(indexPath), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.Flush(flushToDisk: true);
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>
    /// Applies the committed batches after <paramref name="offset"/> to <paramref name="index"/>. Returns the
    /// length applied, or null when the log is torn or corrupt, or shrank (the caller reloads or rebuilds).
    /// </summary>
    public static long? ReadFrom(string indexPath, long offset, FolderIndexFile index)
    {
        byte[] data;
        try
        {
            using var stream = new FileStream(PathOf(indexPath), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            if (stream.Length < offset)
            {
                return null;
            }

            data = new byte[stream.Length - offset];
            stream.Position = offset;
            stream.ReadExactly(data);
        }
        catch (FileNotFoundException)
        {
            return offset == 0 ? 0 : null;
        }

        var position = 0;
        if (offset == 0 && data.Length == 0)
        {
            index.LogUsable = false; // emptied and never written: nothing to apply
            return 0;
        }

        if (offset == 0)
        {
            var lf = Array.IndexOf(data, (byte)'\n');
            if (lf < 0)
            {
                return null;
            }

            if (ParseHeader(Encoding.ASCII.GetString(data, 0, lf)) is not { } header)
            {
                return null;
            }

            var generation = header.Generation;
            index.LogVersion = header.Version;

            if (generation != index.Generation)
            {
                // Left from before the base was last written (its changes are in the base): ignore it.
                index.LogUsable = false;
                return data.Length;
            }

            index.LogUsable = true;
            position = lf + 1;
        }

        var batchStart = position;
        var records = new List<string>();
        while (position < data.Length)
        {
            var lf = Array.IndexOf(data, (byte)'\n', position);
            if (lf < 0)
            {
                return null; // a torn last write
            }

            var line = Encoding.UTF8.GetString(data, position, lf - position);
            if (line.StartsWith("C ", StringComparison.Ordinal))
            {
                var fields = line.Split(' ');
                if (fields.Length != 3
                    || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var highest)
                    || !ulong.TryParse(fields[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash)
                    || hash != Hash(data.AsSpan(batchStart, position - batchStart)))
                {
                    return null;
                }

                foreach (var record in records)
                {
                    if (!index.Apply(record))
                    {
                        return null;
                    }
                }

                index.HighestModSeq = Math.Max(index.HighestModSeq, highest);
                records.Clear();
                batchStart = lf + 1;
            }
            else
            {
                records.Add(line);
            }

            position = lf + 1;
        }

        // Records after the last commit: a batch that was never completed.
        return records.Count == 0 ? offset + data.Length : null;
    }

    private static (int Version, long Generation)? ParseHeader(string line)
    {
        for (var i = 0; i < ReadableMagics.Length; i++)
        {
            var magic = ReadableMagics[i];
            if (line.StartsWith(magic, StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(magic.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
            {
                return (Version - i, generation);
            }
        }

        return null;
    }

    /// <summary>FNV-1a, 64 bits: cheap and enough to tell a torn or damaged batch from a whole one.</summary>
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
