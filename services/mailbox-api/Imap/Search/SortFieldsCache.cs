using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// The SORT/THREAD fields of each message, kept in memory per folder and process once read from the
/// store's summary cache. A message's content never changes under its UID (a new file gets a new
/// UID), so an entry stays right as long as its Maildir key matches; reading <c>facteur-cache</c>
/// for every message of every SORT would cost a file read and a JSON parse per message, and
/// webmail issues a SORT for each page it shows (<see cref="FolderMessageMemo{T}"/>).
/// </summary>
internal static class SortFieldsCache
{
    private static readonly FolderMessageMemo<SortFields> Memo = new();

    public static async ValueTask<SortFields?> GetAsync(MailFolder folder, MessageRecord record, CancellationToken cancellationToken)
    {
        if (Memo.Find(folder, record) is { } hit)
        {
            return hit;
        }

        var fields = (await folder.GetSummaryAsync(record, cancellationToken).ConfigureAwait(false))?.Sort;
        if (fields is not null)
        {
            Memo.Add(folder, record, fields);
        }

        return fields;
    }
}
