using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// <see cref="SearchHeaders"/> of each message, in memory per folder and process, filled the first
/// time a search reads a message's header block (a header key, or TEXT, which parses the message
/// anyway). Dovecot answers SEARCH SUBJECT/FROM from its cache file; reading 10,000 header blocks
/// again for every SEARCH cost ≈ 10× its time. A message's content never changes under its Maildir
/// key, so an entry is right as long as its key matches the record's (another key under the same
/// UID — a rebuilt uidlist — is a miss and the file is read again). Entries of expunged messages are
/// swept once the table has grown past the folder's size; the table goes with the <see cref="MailFolder"/>.
/// Not on disk: <c>facteur-cache</c>'s summary holds only the first of each field, names in their
/// header form, and one JSON parse per message costs about what reading the header block does.
/// </summary>
internal static class SearchHeaderCache
{
    /// <summary>Slack before entries of messages no longer in the folder are swept out.</summary>
    private const int SweepSlack = 1024;

    private static readonly ConditionalWeakTable<MailFolder, ConcurrentDictionary<uint, SearchHeaders>> Tables = new();

    /// <summary>The cached fields of <paramref name="record"/>, or null when none (or stale ones) are kept.</summary>
    public static SearchHeaders? Find(MailFolder folder, MessageRecord record) =>
        Tables.TryGetValue(folder, out var table) && table.TryGetValue(record.Uid, out var hit) && hit.Key == record.Key ? hit : null;

    /// <summary>Keeps the fields read from <paramref name="record"/>'s file.</summary>
    public static void Add(MailFolder folder, MessageRecord record, SearchHeaders headers)
    {
        var table = Tables.GetValue(folder, _ => new ConcurrentDictionary<uint, SearchHeaders>());
        table[record.Uid] = headers;
        if (table.Count > folder.State.Count + SweepSlack)
        {
            Sweep(table, folder.State);
        }
    }

    /// <summary>Drops every entry kept for <paramref name="folder"/> (the next search reads the files again).</summary>
    public static void Forget(MailFolder folder) => Tables.Remove(folder);

    private static void Sweep(ConcurrentDictionary<uint, SearchHeaders> table, FolderState state)
    {
        foreach (var uid in table.Keys)
        {
            if (state.FindByUid(uid) is null)
            {
                table.TryRemove(uid, out _);
            }
        }
    }
}
