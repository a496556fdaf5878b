using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// Facteur's own per-folder index, <c>facteur-index</c> beside <c>dovecot-uidlist</c>. Text, one
/// line per message, rewritten atomically under the uidlist lock:
/// <code>
/// facteur-index 1 V&lt;uidvalidity&gt; H&lt;highestmodseq&gt; G&lt;generation&gt; [E&lt;expunge floor&gt;] [D&lt;new/ mtime&gt;,&lt;cur/ mtime&gt;,&lt;uidlist mtime&gt;,&lt;uidlist size&gt;]
/// X &lt;uid&gt; &lt;modseq&gt;                                          (an expunged UID, for VANISHED)
/// &lt;uid&gt; &lt;modseq&gt; &lt;size&gt; &lt;mtime ms&gt; &lt;cache offset&gt; &lt;cache length&gt; &lt;n|c&gt; &lt;file name&gt;
/// </code>
/// Everything in it can be derived again from the Maildir (only mod-sequences restart), so a file
/// that does not parse is simply dropped and rebuilt. The generation is random per write: a process
/// that finds the generation it last wrote or read knows its copy in memory is current without
/// reading more than the first line. D is the state of the directories the index was last checked
/// against (<see cref="DirectoryStamp"/>): while they are unchanged, a sync need not list them.
/// </summary>
internal sealed class FolderIndexFile
{
    public const string FileName = "facteur-index";
    private const string Magic = "facteur-index";
    private const int Version = 1;

    public uint UidValidity { get; set; }

    public ulong HighestModSeq { get; set; }

    public long Generation { get; set; }

    /// <summary>
    /// Expunges with a mod-sequence above this are all in <see cref="Expunged"/>; at or below it some
    /// were lost (the index was rebuilt, or old records were dropped), so VANISHED (EARLIER) for an
    /// older mod-sequence must report every absent UID (RFC 7162 §3.2.5.2). Written as <c>E</c>;
    /// readers that do not know the field ignore it.
    /// </summary>
    public ulong ExpungeFloor { get; set; }

    /// <summary>The directories as of the last full scan, or null when unknown or too recent to trust.</summary>
    public DirectoryStamp? Stamp { get; set; }

    /// <summary>Messages in increasing UID order.</summary>
    public List<IndexEntry> Entries { get; set; } = [];

    /// <summary>Expunged UIDs with their mod-sequence, in the order they were expunged.</summary>
    public List<(uint Uid, ulong ModSeq)> Expunged { get; } = [];

    /// <summary>The generation in the file's header, or null when missing or unreadable.</summary>
    public static long? ReadGeneration(string path)
    {
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            var header = reader.ReadLine();
            return header is null ? null : ParseHeader(header)?.Generation;
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

    /// <summary>The index, or null when missing or corrupt (the caller rebuilds).</summary>
    public static FolderIndexFile? Read(string path)
    {
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8, false, 64 * 1024);
            var header = reader.ReadLine();
            if (header is null || ParseHeader(header) is not { } parsed)
            {
                return null;
            }

            var index = new FolderIndexFile { UidValidity = parsed.UidValidity, HighestModSeq = parsed.HighestModSeq, Generation = parsed.Generation, Stamp = parsed.Stamp, ExpungeFloor = parsed.ExpungeFloor };
            uint lastUid = 0;
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith("X ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    if (parts.Length != 3 || !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var xuid)
                        || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var xmod))
                    {
                        return null;
                    }

                    index.Expunged.Add((xuid, xmod));
                    continue;
                }

                var entry = ParseEntry(line);
                if (entry is null || entry.Uid <= lastUid || entry.ModSeq > index.HighestModSeq)
                {
                    return null;
                }

                lastUid = entry.Uid;
                index.Entries.Add(entry);
            }

            return index;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the index atomically with a new generation.</summary>
    public void Write(string path)
    {
        Generation = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;
        var text = new StringBuilder(64 + (Entries.Count * 120));
        text.Append(CultureInfo.InvariantCulture, $"{Magic} {Version} V{UidValidity} H{HighestModSeq} G{Generation}");
        if (ExpungeFloor != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" E{ExpungeFloor}");
        }
        if (Stamp is { } stamp)
        {
            text.Append(CultureInfo.InvariantCulture, $" D{stamp.NewTicks},{stamp.CurTicks},{stamp.UidListTicks},{stamp.UidListSize}");
        }

        text.Append('\n');
        foreach (var (uid, modSeq) in Expunged)
        {
            text.Append(CultureInfo.InvariantCulture, $"X {uid} {modSeq}\n");
        }

        foreach (var e in Entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"{e.Uid} {e.ModSeq} {e.Size} {e.InternalDateMs} {e.CacheOffset} {e.CacheLength} {(e.IsNew ? 'n' : 'c')} {e.FileName}\n");
        }

        AtomicFile.Write(path, text.ToString());
    }

    private static (uint UidValidity, ulong HighestModSeq, long Generation, DirectoryStamp? Stamp, ulong ExpungeFloor)? ParseHeader(string header)
    {
        var fields = header.Split(' ');
        if (fields.Length < 5 || fields[0] != Magic || fields[1] != Version.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        uint? uidValidity = null;
        ulong? highest = null;
        long? generation = null;
        DirectoryStamp? stamp = null;
        ulong floor = 0;
        foreach (var field in fields.Skip(2))
        {
            if (field.Length < 2)
            {
                continue;
            }

            var value = field.AsSpan(1);
            switch (field[0])
            {
                case 'V' when uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v): uidValidity = v; break;
                case 'H' when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var h): highest = h; break;
                case 'G' when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var g): generation = g; break;
                case 'D': stamp = DirectoryStamp.Parse(field[1..]); break;
                case 'E' when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var e): floor = e; break;
            }
        }

        return uidValidity is { } u && highest is { } hm && generation is { } gen ? (u, hm, gen, stamp, floor) : null;
    }

    private static IndexEntry? ParseEntry(string line)
    {
        // uid modseq size mtime cacheOffset cacheLength n|c name — the name is the rest of the line.
        var fields = new string[7];
        var position = 0;
        for (var i = 0; i < 7; i++)
        {
            var space = line.IndexOf(' ', position);
            if (space < 0)
            {
                return null;
            }

            fields[i] = line[position..space];
            position = space + 1;
        }

        var name = line[position..];
        if (name.Length == 0
            || !uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == 0
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq)
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !long.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)
            || !long.TryParse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cacheOffset)
            || !int.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var cacheLength)
            || fields[6] is not ("n" or "c"))
        {
            return null;
        }

        return new IndexEntry
        {
            Uid = uid,
            Key = MaildirEntryName.Parse(name).Key,
            FileName = name,
            IsNew = fields[6] == "n",
            ModSeq = modSeq,
            Size = size,
            InternalDateMs = mtime,
            CacheOffset = cacheOffset,
            CacheLength = cacheLength,
        };
    }
}
