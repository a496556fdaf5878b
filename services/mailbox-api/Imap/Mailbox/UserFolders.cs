using System.Globalization;
using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// A user's folder tree for IMAP: Maildir++ directories (<c>.Name.Sub</c>) under the user's root,
/// INBOX being the root itself; the <c>subscriptions</c> file; appending and copying message files.
/// Names here are normalised IMAP names (see <see cref="MailboxPath"/>).
/// TODO(imap-index): move to Facteur.MailStore's index API once it lands.
/// </summary>
internal sealed class UserFolders(string root, TimeSpan lockTimeout, string hostname)
{
    public const string SubscriptionsFileName = "subscriptions";

    private static int _counter;

    public string Root { get; } = root;

    public MaildirFolder Open(string name) =>
        new(name == "INBOX" ? Root : Path.Combine(Root, "." + name)) { LockTimeout = lockTimeout };

    public bool Exists(string name) => name == "INBOX" || Open(name).Exists;

    /// <summary>Every existing folder, INBOX first.</summary>
    public List<string> All()
    {
        var names = new List<string> { "INBOX" };
        if (!Directory.Exists(Root))
        {
            return names;
        }

        foreach (var directory in Directory.EnumerateDirectories(Root, ".*"))
        {
            var name = Path.GetFileName(directory)[1..];
            if (name.Length > 0 && name != "." && Directory.Exists(Path.Combine(directory, "cur")))
            {
                names.Add(name);
            }
        }

        names.Sort(1, names.Count - 1, StringComparer.Ordinal);
        return names;
    }

    public void Create(string name) => Open(name).EnsureCreated();

    public void Delete(string name)
    {
        var path = Open(name).Path;
        // Renamed aside first so a concurrent reader never sees half a folder.
        var trash = Path.Combine(Root, "..DOVECOT-TRASHED-" + Guid.NewGuid().ToString("N"));
        Directory.Move(path, trash);
        Directory.Delete(trash, recursive: true);
    }

    /// <summary>Renames a folder and its children (Maildir++ keeps each level in its own directory).</summary>
    public void Rename(string from, string to)
    {
        var children = All().Where(n => n.StartsWith(from + MailboxPath.Separator, StringComparison.Ordinal)).ToList();
        Directory.Move(Open(from).Path, Open(to).Path);
        foreach (var child in children)
        {
            Directory.Move(Open(child).Path, Open(to + child[from.Length..]).Path);
        }
    }

    public HashSet<string> Subscriptions()
    {
        var path = Path.Combine(Root, SubscriptionsFileName);
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return set;
        }

        var lines = File.ReadAllLines(path);
        // Dovecot 2.3 writes "V\t2" then a blank line, then names with '\t' between levels; older files are one name per line.
        var versioned = lines.Length > 0 && lines[0].StartsWith("V\t", StringComparison.Ordinal);
        foreach (var line in versioned ? lines.Skip(1) : lines)
        {
            if (line.Length > 0)
            {
                set.Add(versioned ? line.Replace('\t', MailboxPath.Separator) : line);
            }
        }

        return set;
    }

    public void SetSubscribed(string name, bool subscribed)
    {
        var set = Subscriptions();
        if (!(subscribed ? set.Add(name) : set.Remove(name)))
        {
            return;
        }

        Directory.CreateDirectory(Root);
        var text = new StringBuilder("V\t2\n\n");
        foreach (var entry in set.Order(StringComparer.Ordinal))
        {
            text.Append(entry.Replace(MailboxPath.Separator, '\t')).Append('\n');
        }

        var tmp = Path.Combine(Root, SubscriptionsFileName + ".tmp." + Guid.NewGuid().ToString("N"));
        File.WriteAllText(tmp, text.ToString());
        File.Move(tmp, Path.Combine(Root, SubscriptionsFileName), overwrite: true);
    }

    /// <summary>Writes a message into <paramref name="folder"/> (tmp → cur with flags, or new/ without), mtime = internal date. Returns its key.</summary>
    public string Store(MaildirFolder folder, ReadOnlySpan<byte> content, MaildirFlags flags, DateTimeOffset internalDate)
    {
        folder.EnsureCreated();
        var n = Interlocked.Increment(ref _counter);
        var now = DateTimeOffset.UtcNow;
        var virtualSize = VirtualSize(content);
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{now.ToUnixTimeSeconds()}.M{now.Microsecond + (now.Millisecond * 1000)}P{Environment.ProcessId}Q{n}.{hostname.Replace("/", @"\057", StringComparison.Ordinal).Replace(":", @"\072", StringComparison.Ordinal)},S={content.Length},W={virtualSize}");
        var tmp = Path.Combine(folder.Path, "tmp", key);
        using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.SetLastWriteTimeUtc(tmp, internalDate.UtcDateTime);
        var final = flags == MaildirFlags.None
            ? Path.Combine(folder.Path, "new", key)
            : Path.Combine(folder.Path, "cur", new MaildirEntryName(key, flags, string.Empty, null, null).WithInfo(flags, string.Empty));
        File.Move(tmp, final);
        return key;
    }

    /// <summary>The size with every line ending counted as CRLF (RFC822.SIZE).</summary>
    public static long VirtualSize(ReadOnlySpan<byte> content)
    {
        long size = content.Length;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n' && (i == 0 || content[i - 1] != (byte)'\r'))
            {
                size++;
            }
        }

        return size;
    }
}
