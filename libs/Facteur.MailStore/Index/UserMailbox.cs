using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// A user's Maildir++ root: folder listing, create/delete/rename, the Dovecot <c>subscriptions</c>
/// file, special-use folders, opening folders, quota. Folder names are IMAP names with '.' as the
/// hierarchy separator ("INBOX" is the root; "Work.Projects" is the directory <c>.Work.Projects</c>,
/// non-ASCII names stored in modified UTF-7 as Dovecot does).
/// </summary>
public sealed class UserMailbox
{
    /// <summary>The subscriptions file Dovecot keeps in the Maildir++ root.</summary>
    public const string SubscriptionsFileName = "subscriptions";

    /// <summary>The conventional folders of RFC 6154 roles, created on first login.</summary>
    public static readonly IReadOnlyList<(string Name, SpecialUse Use)> DefaultFolders =
        [("Drafts", SpecialUse.Drafts), ("Sent", SpecialUse.Sent), ("Trash", SpecialUse.Trash), ("Junk", SpecialUse.Junk), ("Archive", SpecialUse.Archive)];

    private const int MaxDirectoryNameLength = 250;
    private readonly SharedInstances<MailFolder> _folders = new();
    private readonly SemaphoreSlim _quotaGate = new(1, 1);
    private (QuotaUsage Usage, DateTimeOffset At)? _quota;

    internal UserMailbox(MessageStore store, string user, string path)
    {
        Store = store;
        User = user;
        Path = path;
    }

    /// <summary>user@domain.</summary>
    public string User { get; }

    /// <summary>The Maildir++ root directory.</summary>
    public string Path { get; }

    internal MessageStore Store { get; }

    private string SubscriptionsPath => System.IO.Path.Combine(Path, SubscriptionsFileName);

    /// <summary>Every folder (INBOX first), with parents that exist only as hierarchy levels.</summary>
    public async Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(CancellationToken cancellationToken = default)
    {
        var subscribed = new HashSet<string>(await GetSubscriptionsAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var existing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var directory in EnumerateFolderDirectories())
        {
            existing.Add(directory);
        }

        var all = new SortedSet<string>(existing, StringComparer.Ordinal);
        foreach (var name in existing)
        {
            var levels = name.Split('.');
            for (var i = 1; i < levels.Length; i++)
            {
                all.Add(string.Join('.', levels.Take(i)));
            }
        }

        var result = new List<FolderInfo>
        {
            new("INBOX", true, all.Any(n => n.StartsWith("INBOX.", StringComparison.Ordinal)), subscribed.Contains("INBOX"), SpecialUse.None),
        };
        foreach (var name in all)
        {
            if (name == "INBOX")
            {
                continue;
            }

            var hasChildren = all.GetViewBetween(name + ".", name + "/").Count > 0; // '/' sorts right after '.'
            result.Add(new FolderInfo(name, existing.Contains(name), hasChildren, subscribed.Contains(name), SpecialUseOf(name)));
        }

        return result;
    }

    /// <summary>True when the folder exists on disk.</summary>
    public bool FolderExists(string name)
    {
        var path = FolderPath(name);
        return IsInbox(name) || Directory.Exists(System.IO.Path.Combine(path, "cur"));
    }

    /// <summary>
    /// Creates a folder. Missing parents are not created: in Maildir++ they are implicit and LIST shows
    /// them as non-existent with children, as Dovecot does.
    /// </summary>
    /// <exception cref="MailStoreException">AlreadyExists, InvalidName.</exception>
    public Task CreateFolderAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = FolderPath(name);
        if (IsInbox(name) || Directory.Exists(System.IO.Path.Combine(path, "cur")))
        {
            throw new MailStoreException(MailStoreError.AlreadyExists, $"Folder {name} already exists.");
        }

        EnsureRoot();
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(System.IO.Path.Combine(path, sub));
        }

        // Dovecot and Courier mark Maildir++ folders with an empty 'maildirfolder' file.
        using (new FileStream(System.IO.Path.Combine(path, "maildirfolder"), FileMode.OpenOrCreate, FileAccess.Write))
        {
        }

        DirectorySync.Fsync(Path);
        return Task.CompletedTask;
    }

    /// <summary>Deletes a folder and its messages; its children stay (RFC 3501 §6.3.4).</summary>
    /// <exception cref="MailStoreException">NonExistent, NotAllowed (INBOX).</exception>
    public Task DeleteFolderAsync(string name, CancellationToken cancellationToken = default)
    {
        if (IsInbox(name))
        {
            throw new MailStoreException(MailStoreError.NotAllowed, "INBOX cannot be deleted.");
        }

        var path = FolderPath(name);
        if (!Directory.Exists(System.IO.Path.Combine(path, "cur")))
        {
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {name} does not exist.");
        }

        // Rename out of sight first (atomic), then remove: nobody sees a half-deleted folder.
        var trash = System.IO.Path.Combine(Path, "tmp", $".deleted-{Guid.NewGuid():N}");
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "tmp"));
        try
        {
            Directory.Move(path, trash);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {name} does not exist.", ex);
        }

        _folders.Remove(Normalize(name));
        Directory.Delete(trash, recursive: true);
        InvalidateQuota();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Renames a folder with its children. Renaming INBOX moves its messages into a new folder and
    /// leaves INBOX empty (RFC 3501 §6.3.5). Subscriptions follow.
    /// </summary>
    /// <exception cref="MailStoreException">NonExistent, AlreadyExists, InvalidName.</exception>
    public async Task RenameFolderAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        var targetPath = FolderPath(newName);
        if (IsInbox(newName) || Directory.Exists(targetPath))
        {
            throw new MailStoreException(MailStoreError.AlreadyExists, $"Folder {newName} already exists.");
        }

        if (IsInbox(name))
        {
            await CreateFolderAsync(newName, cancellationToken).ConfigureAwait(false);
            var inbox = await OpenFolderAsync("INBOX", cancellationToken).ConfigureAwait(false);
            var target = await OpenFolderAsync(newName, cancellationToken).ConfigureAwait(false);
            var uids = inbox.State.Messages.Select(m => m.Uid).ToList();
            if (uids.Count > 0)
            {
                await inbox.MoveAsync(uids, target, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var normalized = Normalize(name);
        var newNormalized = Normalize(newName);
        if (newNormalized.StartsWith(normalized + ".", StringComparison.Ordinal))
        {
            throw new MailStoreException(MailStoreError.InvalidName, "A folder cannot be moved under itself.");
        }

        var children = EnumerateFolderDirectories().Where(n => n.StartsWith(normalized + ".", StringComparison.Ordinal)).ToList();
        var sourcePath = FolderPath(name);
        if (!Directory.Exists(sourcePath) && children.Count == 0)
        {
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {name} does not exist.");
        }

        foreach (var child in children)
        {
            var renamed = newNormalized + child[normalized.Length..];
            if (Directory.Exists(FolderPath(renamed)))
            {
                throw new MailStoreException(MailStoreError.AlreadyExists, $"Folder {renamed} already exists.");
            }
        }

        if (Directory.Exists(sourcePath))
        {
            Directory.Move(sourcePath, targetPath);
        }

        foreach (var child in children)
        {
            Directory.Move(FolderPath(child), FolderPath(newNormalized + child[normalized.Length..]));
        }

        _folders.RemoveWhere(k => k == normalized || k.StartsWith(normalized + ".", StringComparison.Ordinal));

        DirectorySync.Fsync(Path);
        await ChangeSubscriptionsAsync(names =>
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (names[i] == normalized || names[i].StartsWith(normalized + ".", StringComparison.Ordinal))
                {
                    names[i] = newNormalized + names[i][normalized.Length..];
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates (and subscribes) Sent, Drafts, Trash, Junk and Archive when missing, and INBOX itself.</summary>
    public async Task EnsureDefaultFoldersAsync(CancellationToken cancellationToken = default)
    {
        EnsureRoot();
        foreach (var (name, _) in DefaultFolders)
        {
            if (!FolderExists(name))
            {
                try
                {
                    await CreateFolderAsync(name, cancellationToken).ConfigureAwait(false);
                }
                catch (MailStoreException ex) when (ex.Error == MailStoreError.AlreadyExists)
                {
                }
            }
        }

        await ChangeSubscriptionsAsync(names =>
        {
            foreach (var name in DefaultFolders.Select(f => f.Name).Prepend("INBOX"))
            {
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subscribed names, as in the <c>subscriptions</c> file.</summary>
    public Task<IReadOnlyList<string>> GetSubscriptionsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>(SubscriptionsFile.Read(SubscriptionsPath).Select(Normalize).Distinct().ToList());

    /// <summary>Adds a name to <c>subscriptions</c> (the folder need not exist, RFC 3501 §6.3.6).</summary>
    public Task SubscribeAsync(string name, CancellationToken cancellationToken = default)
    {
        FolderPath(name); // validates
        var normalized = Normalize(name);
        return ChangeSubscriptionsAsync(names =>
        {
            if (!names.Contains(normalized))
            {
                names.Add(normalized);
            }
        }, cancellationToken);
    }

    /// <summary>Removes a name from <c>subscriptions</c>.</summary>
    public Task UnsubscribeAsync(string name, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(name);
        return ChangeSubscriptionsAsync(names => names.RemoveAll(n => n == normalized), cancellationToken);
    }

    /// <summary>The shared in-process folder object, synced with disk.</summary>
    /// <exception cref="MailStoreException">NonExistent, InvalidName.</exception>
    public async Task<MailFolder> OpenFolderAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = FolderPath(name);
        var normalized = Normalize(name);
        if (!IsInbox(name) && !Directory.Exists(System.IO.Path.Combine(path, "cur")))
        {
            _folders.Remove(normalized);
            throw new MailStoreException(MailStoreError.NonExistent, $"Folder {name} does not exist.");
        }

        if (IsInbox(name))
        {
            EnsureRoot();
        }

        var folder = _folders.GetOrAdd(normalized, n => new MailFolder(this, n, path));
        await folder.SyncAsync(cancellationToken).ConfigureAwait(false);
        return folder;
    }

    /// <summary>Usage over all folders and the configured limit.</summary>
    public async Task<QuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default)
    {
        var limit = Store.Options.QuotaBytes;
        if (_quota is { } cached && DateTimeOffset.UtcNow - cached.At < Store.Options.QuotaCacheDuration)
        {
            return cached.Usage with { LimitBytes = limit };
        }

        await _quotaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long used = 0, count = 0;
            foreach (var name in EnumerateFolderDirectories().Prepend("INBOX"))
            {
                if (name != "INBOX" && !FolderExists(name))
                {
                    continue;
                }

                try
                {
                    var folder = await OpenFolderAsync(name, cancellationToken).ConfigureAwait(false);
                    used += folder.State.TotalSize;
                    count += folder.State.Count;
                }
                catch (MailStoreException ex) when (ex.Error == MailStoreError.NonExistent)
                {
                }
            }

            var usage = new QuotaUsage(used, limit, count);
            _quota = (usage, DateTimeOffset.UtcNow);
            return usage;
        }
        finally
        {
            _quotaGate.Release();
        }
    }

    /// <summary>The folder object if this process has it open, else null.</summary>
    internal MailFolder? OpenedFolder(string name) => _folders.Find(Normalize(name));

    /// <summary>True while a folder state of this mailbox is held for reuse: the mailbox is kept with it.</summary>
    internal bool HoldsFolders => _folders.HoldsAny;

    /// <summary>Lets go of the folder states unused for <paramref name="retention"/> (see <see cref="SharedInstances{T}"/>).</summary>
    internal void ReleaseIdleFolders(TimeSpan retention) =>
        _folders.ReleaseIdle(retention, folder => folder.InUseWithin(retention), static folder => folder.FlushPendingInBackground());

    internal void InvalidateQuota() => _quota = null;

    /// <summary>The Maildir directory of an IMAP folder name.</summary>
    /// <exception cref="MailStoreException">InvalidName.</exception>
    internal string FolderPath(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (IsInbox(name))
        {
            return Path;
        }

        var normalized = Normalize(name);
        foreach (var level in normalized.Split('.'))
        {
            // An empty level ("a..b", ".a", "a.") would alias another folder or escape it.
            if (level.Length == 0 || level is "." or ".." || level.Any(c => c is '/' or '\\' or '\0' || char.IsControl(c)))
            {
                throw new MailStoreException(MailStoreError.InvalidName, "The folder name is not valid.");
            }
        }

        var directory = "." + ModifiedUtf7.Encode(normalized);
        if (directory.Length > MaxDirectoryNameLength)
        {
            throw new MailStoreException(MailStoreError.InvalidName, "The folder name is too long.");
        }

        return System.IO.Path.Combine(Path, directory);
    }

    private static bool IsInbox(string name) => name.Equals("INBOX", StringComparison.OrdinalIgnoreCase);

    /// <summary>INBOX (any case) as "INBOX", also as the first level of a child ("inbox.x" → "INBOX.x").</summary>
    private static string Normalize(string name)
    {
        if (IsInbox(name))
        {
            return "INBOX";
        }

        return name.StartsWith("INBOX.", StringComparison.OrdinalIgnoreCase) ? "INBOX" + name[5..] : name;
    }

    private static SpecialUse SpecialUseOf(string name) =>
        DefaultFolders.FirstOrDefault(f => f.Name.Equals(name, StringComparison.Ordinal)).Use;

    private IEnumerable<string> EnumerateFolderDirectories()
    {
        IEnumerable<string> directories;
        try
        {
            directories = Directory.EnumerateDirectories(Path).Select(d => System.IO.Path.GetFileName(d)).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        return directories
            .Where(d => d.Length > 1 && d[0] == '.' && d != ".." && Directory.Exists(System.IO.Path.Combine(Path, d, "cur")))
            .Select(d => ModifiedUtf7.Decode(d[1..]) ?? d[1..])
            .Where(n => n.Split('.').All(level => level.Length > 0))
            .ToList();
    }

    private void EnsureRoot()
    {
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, sub));
        }
    }

    private async Task ChangeSubscriptionsAsync(Action<List<string>> change, CancellationToken cancellationToken)
    {
        EnsureRoot();
        using var fileLock = await DotLock.AcquireAsync(SubscriptionsPath + ".lock", TimeSpan.FromSeconds(30), Store.Options.LockTimeout, cancellationToken).ConfigureAwait(false);
        var names = SubscriptionsFile.Read(SubscriptionsPath).Select(Normalize).Distinct().ToList();
        var before = names.ToList();
        change(names);
        if (!before.SequenceEqual(names))
        {
            SubscriptionsFile.Write(SubscriptionsPath, names);
        }
    }
}
