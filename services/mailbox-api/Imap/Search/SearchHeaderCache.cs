using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// <see cref="SearchHeaders"/> of each message, in memory per folder and process, filled the first
/// time a search reads a message's header block (a header key, or TEXT, which parses the message
/// anyway), or a FETCH has the header in memory (BODY[HEADER], ENVELOPE, BODY[]: <see cref="Keep"/>). Dovecot answers SEARCH SUBJECT/FROM from its cache file; reading 10,000 header blocks
/// again for every SEARCH cost ≈ 10× its time. A message's content never changes under its Maildir
/// key, so an entry is right as long as its key matches the record's (another key under the same
/// UID — a rebuilt uidlist — is a miss and the file is read again; <see cref="FolderMessageMemo{T}"/>).
/// Not on disk: <c>facteur-cache</c>'s summary holds only the first of each field, names in their
/// header form, and one JSON parse per message costs about what reading the header block does.
/// </summary>
internal static class SearchHeaderCache
{
    private static readonly FolderMessageMemo<SearchHeaders> Memo = new();

    /// <summary>The cached fields of <paramref name="record"/>, or null when none (or stale ones) are kept.</summary>
    public static SearchHeaders? Find(MailFolder folder, MessageRecord record) => Memo.Find(folder, record);

    /// <summary>Keeps the fields read from <paramref name="record"/>'s file.</summary>
    public static void Add(MailFolder folder, MessageRecord record, SearchHeaders headers) => Memo.Add(folder, record, headers);

    /// <summary>
    /// Keeps the fields of <paramref name="record"/> from its header octets, read anyway by another
    /// command (a FETCH of the header or the ENVELOPE), unless they are kept already: the first SEARCH
    /// after a client's header sync then opens no file, as Dovecot answers it from the fields its
    /// cache took during that sync.
    /// </summary>
    public static void Keep(MailFolder folder, MessageRecord record, ReadOnlySpan<byte> header)
    {
        if (Memo.Find(folder, record) is null)
        {
            Memo.Add(folder, record, SearchHeaders.Parse(record.Key, header));
        }
    }

    /// <summary>Drops every entry kept for <paramref name="folder"/> (the next search reads the files again).</summary>
    public static void Forget(MailFolder folder) => Memo.Forget(folder);
}
