using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The SORT/THREAD fields of each message, kept in memory per folder and process once read from the
/// store's summary cache. A message's content never changes under its UID (a new file gets a new
/// UID), so an entry stays right as long as its Maildir key matches; reading <c>facteur-cache</c>
/// for every message of every SORT would cost a file read and a JSON parse per message, and
/// webmail issues a SORT for each page it shows. Entries of expunged messages are dropped when
/// the cache has grown past the folder's size; the table goes with the <see cref="MailFolder"/>.
/// </summary>
internal static class SortFieldsCache
{
    /// <summary>Slack before entries of messages no longer in the folder are swept out.</summary>
    private const int SweepSlack = 1024;

    private static readonly ConditionalWeakTable<MailFolder, ConcurrentDictionary<uint, (string Key, SortFields Fields)>> Tables = new();

    public static async ValueTask<SortFields?> GetAsync(MailFolder folder, MessageRecord record, CancellationToken cancellationToken)
    {
        var table = Tables.GetValue(folder, _ => new ConcurrentDictionary<uint, (string, SortFields)>());
        if (table.TryGetValue(record.Uid, out var hit) && hit.Key == record.Key)
        {
            return hit.Fields;
        }

        var fields = (await folder.GetSummaryAsync(record, cancellationToken).ConfigureAwait(false))?.Sort;
        if (fields is not null)
        {
            table[record.Uid] = (record.Key, fields);
            if (table.Count > folder.State.Count + SweepSlack)
            {
                Sweep(table, folder.State);
            }
        }

        return fields;
    }

    private static void Sweep(ConcurrentDictionary<uint, (string Key, SortFields Fields)> table, FolderState state)
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
