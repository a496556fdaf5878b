namespace Facteur.MailStore.Index;

/// <summary>
/// A user's Maildir++ root: folder listing, create/delete/rename, the Dovecot <c>subscriptions</c>
/// file, special-use folders, opening folders, quota. Folder names are IMAP names with '.' as the
/// hierarchy separator ("INBOX" is the root; "Work.Projects" is the directory <c>.Work.Projects</c>).
/// </summary>
public sealed class UserMailbox
{
    /// <summary>The subscriptions file Dovecot keeps in the Maildir++ root.</summary>
    public const string SubscriptionsFileName = "subscriptions";

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

    /// <summary>Every folder (INBOX first), with parents that exist only as hierarchy levels.</summary>
    public Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>True when the folder exists on disk.</summary>
    public bool FolderExists(string name) => throw new NotImplementedException();

    /// <summary>Creates a folder (and missing parents, RFC 3501 §6.3.3).</summary>
    /// <exception cref="MailStoreException">AlreadyExists, InvalidName.</exception>
    public Task CreateFolderAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes a folder and its messages; its children stay (RFC 3501 §6.3.4).</summary>
    /// <exception cref="MailStoreException">NonExistent, NotAllowed (INBOX).</exception>
    public Task DeleteFolderAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Renames a folder with its children. Renaming INBOX moves its messages into a new folder and
    /// leaves INBOX empty (RFC 3501 §6.3.5). Subscriptions follow.
    /// </summary>
    /// <exception cref="MailStoreException">NonExistent, AlreadyExists, InvalidName.</exception>
    public Task RenameFolderAsync(string name, string newName, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Creates (and subscribes) Sent, Drafts, Trash, Junk and Archive when missing, and INBOX itself.</summary>
    public Task EnsureDefaultFoldersAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The subscribed names, as in the <c>subscriptions</c> file.</summary>
    public Task<IReadOnlyList<string>> GetSubscriptionsAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Adds a name to <c>subscriptions</c> (the folder need not exist, RFC 3501 §6.3.6).</summary>
    public Task SubscribeAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Removes a name from <c>subscriptions</c>.</summary>
    public Task UnsubscribeAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The shared in-process folder object, synced with disk.</summary>
    /// <exception cref="MailStoreException">NonExistent, InvalidName.</exception>
    public Task<MailFolder> OpenFolderAsync(string name, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Usage over all folders and the configured limit.</summary>
    public Task<QuotaUsage> GetQuotaAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
