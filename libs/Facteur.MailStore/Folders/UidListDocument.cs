using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// The content of a <c>dovecot-uidlist</c> file, parsed and formatted exactly as Dovecot does
/// (doc.dovecot.org, "Maildir Mailbox Format"). Version 3 header:
/// <c>3 V&lt;uidvalidity&gt; N&lt;nextuid&gt; G&lt;128-bit mailbox GUID in hex&gt;</c> (other header fields kept);
/// then one <see cref="UidListRecord"/> per line in increasing UID order. Version 1 files (Courier's
/// <c>courierimapuiddb</c> shape: <c>1 &lt;uidvalidity&gt; &lt;nextuid&gt;</c> and <c>&lt;uid&gt; &lt;name&gt;</c>)
/// are read too and written back as version 3.
/// </summary>
public sealed class UidListDocument
{
    public uint UidValidity { get; set; }

    public uint NextUid { get; set; } = 1;

    /// <summary>The mailbox GUID, 32 lower-case hex digits.</summary>
    public string Guid { get; set; } = string.Empty;

    /// <summary>Header fields other than V, N and G, as read (for example Dovecot's <c>M</c>).</summary>
    public List<string> ExtraHeaderFields { get; } = [];

    /// <summary>Records in increasing UID order.</summary>
    public List<UidListRecord> Records { get; } = [];

    /// <summary>
    /// Read from a version 3 file whose every line parsed: new records may be appended to it
    /// (<see cref="AppendTo"/>). A version 1 or 2 file, or one with a damaged or out-of-order line, is
    /// rewritten whole instead, so the file never mixes versions and a bad line does not stay.
    /// </summary>
    public bool CanAppend { get; private set; }

    /// <summary>A new, empty list: UIDVALIDITY from the clock (as Dovecot does), a random GUID.</summary>
    public static UidListDocument CreateNew(DateTimeOffset now) => new()
    {
        UidValidity = (uint)Math.Max(1, now.ToUnixTimeSeconds()),
        NextUid = 1,
        Guid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
    };

    /// <exception cref="FormatException">The header is not a version 1 or 3 uidlist header.</exception>
    /// <remarks>Compiled optimized at once: one call loops over every record (see MaildirFolder's SynchronizeLocked).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UidListDocument Parse(TextReader reader)
    {
        var header = reader.ReadLine() ?? throw new FormatException("dovecot-uidlist is empty");
        var document = new UidListDocument();
        var fields = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0)
        {
            throw new FormatException("dovecot-uidlist header is empty");
        }

        var version = fields[0];
        if (version == "1" && fields.Length >= 3)
        {
            document.UidValidity = ParseUInt(fields[1], "uidvalidity");
            document.NextUid = ParseUInt(fields[2], "next uid");
        }
        else if (version is "3" or "2")
        {
            foreach (var field in fields.Skip(1))
            {
                switch (field[0])
                {
                    case 'V': document.UidValidity = ParseUInt(field[1..], "uidvalidity"); break;
                    case 'N': document.NextUid = ParseUInt(field[1..], "next uid"); break;
                    case 'G': document.Guid = field[1..]; break;
                    default: document.ExtraHeaderFields.Add(field); break;
                }
            }
        }
        else
        {
            throw new FormatException($"dovecot-uidlist version '{version}' is not supported");
        }

        if (document.UidValidity == 0)
        {
            throw new FormatException("dovecot-uidlist has no UIDVALIDITY");
        }

        uint lastUid = 0;
        var damaged = false;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var record = ParseRecord(line, versionOne: version == "1");
            // Dovecot treats a non-increasing UID as corruption of that line: skip it rather
            // than give two files the same UID.
            if (record is null || record.Uid <= lastUid)
            {
                damaged = true;
                continue;
            }

            lastUid = record.Uid;
            document.Records.Add(record);
        }

        // Appended records (AppendTo, and Dovecot's own appends) leave N as it was: the next UID is
        // above both N and the last record, as Dovecot reads it.
        if (document.NextUid <= lastUid)
        {
            document.NextUid = lastUid + 1;
        }

        document.CanAppend = version == "3" && !damaged;
        return document;
    }

    /// <summary>Writes the version 3 form, '\n' line ends, as Dovecot writes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call loops over every record (a first sync writes 100,000)
    public void WriteTo(TextWriter writer)
    {
        var header = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"3 V{UidValidity} N{NextUid}");
        if (Guid.Length > 0)
        {
            header.Append(" G").Append(Guid);
        }

        foreach (var extra in ExtraHeaderFields)
        {
            header.Append(' ').Append(extra);
        }

        writer.Write(header.Append('\n').ToString());
        // Straight into the writer, no string per line: a first sync of 100,000 files writes 100,000 lines.
        Span<char> uid = stackalloc char[10];
        foreach (var record in Records)
        {
            record.Uid.TryFormat(uid, out var length, default, CultureInfo.InvariantCulture);
            writer.Write(uid[..length]);
            foreach (var ext in record.Extensions)
            {
                writer.Write(' ');
                writer.Write(ext);
            }

            writer.Write(" :");
            writer.Write(record.KeySpan); // no string cut for a key that is still part of its file name
            writer.Write('\n');
        }
    }

    private static void AppendLine(StringBuilder line, UidListRecord record)
    {
        line.Append(record.Uid.ToString(CultureInfo.InvariantCulture));
        foreach (var ext in record.Extensions)
        {
            line.Append(' ').Append(ext);
        }

        line.Append(" :").Append(record.KeySpan).Append('\n');
    }

    /// <summary>
    /// The header of the uidlist at <paramref name="path"/> without its records, but with <see cref="NextUid"/>
    /// above the last record: records appended after the header was written (<see cref="AppendTo"/>, Dovecot's
    /// appends) leave its <c>N</c> behind, and a UIDNEXT taken from <c>N</c> alone would go back (RFC 3501
    /// §2.3.1.1). Reads the first line and the file's last few KB, not every record.
    /// </summary>
    /// <returns>Null when the file is empty.</returns>
    /// <exception cref="FormatException">The header is not a version 1 or 3 uidlist header.</exception>
    public static UidListDocument? ReadHead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        string? first;
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true))
        {
            first = reader.ReadLine();
        }

        if (first is null)
        {
            return null;
        }

        var document = Parse(new StringReader(first));
        const int TailBytes = 4096;
        var start = Math.Max(0, stream.Length - TailBytes);
        var tail = new byte[stream.Length - start];
        stream.Position = start;
        stream.ReadExactly(tail);
        var lines = Encoding.UTF8.GetString(tail).Split('\n');
        // The chunk's first piece is a line's end (or the header) unless the chunk is the whole file, where it is the header.
        foreach (var line in lines.Skip(1))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && uint.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid >= document.NextUid)
            {
                document.NextUid = uid + 1;
            }
        }

        return document;
    }

    /// <summary>
    /// Appends <paramref name="records"/> (UIDs above every record of the file) to the uidlist at
    /// <paramref name="path"/> and flushes them to disk, leaving the header as it is — what Dovecot does
    /// for new messages (it rewrites the file only to drop records). One short write and one flush
    /// instead of the whole list into a temporary file, fsync and rename: no new inode, no directory
    /// entry, so one journal commit makes the records durable. Call under the uidlist lock, on a file
    /// read with <see cref="CanAppend"/>. A line torn by a crash names no file, so the next sync drops it
    /// (and rewrites the file); its UID was not yet announced (the flush comes first, RFC 3501 §2.3.1.1).
    /// </summary>
    public static void AppendTo(string path, IReadOnlyList<UidListRecord> records)
    {
        using var appended = AppendUnflushed(path, records);
        FlushAppended(appended, path);
    }

    /// <summary>
    /// <see cref="AppendTo"/> without the flush: the records are written (readers see them, and the list's time
    /// and size have moved), and the returned stream's <see cref="FlushAppended"/> makes them durable — on
    /// another thread, beside another file's fsync, when the caller answers only after both.
    /// </summary>
    public static FileStream AppendUnflushed(string path, IReadOnlyList<UidListRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder();
        foreach (var record in records)
        {
            AppendLine(text, record);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        try
        {
            var length = stream.Length;
            if (length > 0)
            {
                // A last line without its '\n' (an interrupted writer) must not swallow the first new record.
                Span<byte> last = stackalloc byte[1];
                stream.Position = length - 1;
                if (stream.Read(last) == 1 && last[0] != (byte)'\n')
                {
                    text.Insert(0, '\n');
                }
            }

            stream.Position = length;
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Makes what <see cref="AppendUnflushed"/> wrote durable (fsync through the same handle).</summary>
    public static void FlushAppended(FileStream appended, string path)
    {
        ArgumentNullException.ThrowIfNull(appended);
        appended.Flush(flushToDisk: true);
        AfterAppendFlush?.Invoke(path);
    }

    /// <summary>Called with the list's path right after an append reached the disk (tests look at what was durable then).</summary>
    internal static Action<string>? AfterAppendFlush { get; set; }

    public override string ToString()
    {
        using var writer = new StringWriter(new StringBuilder(64 + (Records.Count * 48)), CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called for every record of the list (see Parse)
    private static UidListRecord? ParseRecord(string line, bool versionOne)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !uint.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == 0)
        {
            return null;
        }

        // Positions in the line itself, no copy of its rest: a 10,000-line list is parsed at every POP3
        // login after a change, and a substring per line was a fifth of what that parse allocated.
        var position = space + 1;
        if (versionOne)
        {
            // Version 1: the name directly after the UID.
            return position == line.Length ? null : new UidListRecord(uid, line[position..], []);
        }

        List<string>? extensions = null;
        // Version 3: extension fields, then " :" and the name (which may itself contain spaces).
        while (position < line.Length)
        {
            if (line[position] == ':')
            {
                return position + 1 == line.Length ? null : new UidListRecord(uid, line[(position + 1)..], (IReadOnlyList<string>?)extensions ?? []);
            }

            var next = line.IndexOf(' ', position);
            if (next < 0)
            {
                break;
            }

            (extensions ??= new List<string>(2)).Add(line[position..next]);
            position = next + 1;
        }

        return null; // no ':' before the name: a damaged line
    }

    private static uint ParseUInt(string value, string what) =>
        uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new FormatException($"dovecot-uidlist header has a bad {what}: '{value}'");
}
