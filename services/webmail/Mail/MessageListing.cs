using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace Facteur.Webmail.Mail;

internal enum MessageSort
{
    Arrival,
    Date,
    From,
    Subject,
    Size,
}

/// <summary>One page of a folder, sorted and optionally filtered by a server-side IMAP SEARCH.</summary>
internal sealed record MessagePage(IReadOnlyList<MessageRow> Rows, int Total, int Page, int PageCount);

internal static class MessageListing
{
    private const MessageSummaryItems RowItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope
        | MessageSummaryItems.Size | MessageSummaryItems.InternalDate | MessageSummaryItems.BodyStructure;

    public static async Task<MessagePage> LoadAsync(
        ImapClient client, IMailFolder folder, string? search, MessageSort sort, bool descending, int page, int pageSize, CancellationToken cancellationToken)
    {
        IList<IMessageSummary> summaries;
        int total;
        if (string.IsNullOrWhiteSpace(search) && sort == MessageSort.Arrival)
        {
            // The common case, and the cheap one on a 10,000-message INBOX: sequence numbers are
            // arrival order, so a page is one FETCH of 50 messages, no SEARCH and no SORT.
            total = folder.Count;
            var pageCount = Math.Max(1, (total + pageSize - 1) / pageSize);
            page = Math.Clamp(page, 1, pageCount);
            var first = descending ? Math.Max(0, total - page * pageSize) : (page - 1) * pageSize;
            var last = descending ? total - (page - 1) * pageSize - 1 : Math.Min(total, page * pageSize) - 1;
            summaries = total == 0 || last < first ? [] : await folder.FetchAsync(first, last, RowItems, cancellationToken);
            var ordered = descending ? summaries.OrderByDescending(s => s.Index) : summaries.OrderBy(s => s.Index);
            return new MessagePage([.. ordered.Select(ToRow)], total, page, pageCount);
        }

        var query = string.IsNullOrWhiteSpace(search) ? SearchQuery.All : Query(search.Trim());
        IList<UniqueId> uids;
        if (client.Capabilities.HasFlag(ImapCapabilities.Sort) && sort != MessageSort.Arrival)
        {
            uids = await folder.SortAsync(query, [OrderBy(sort, descending)], cancellationToken);
        }
        else
        {
            var found = await folder.SearchAsync(query, cancellationToken);
            if (sort == MessageSort.Arrival)
            {
                uids = descending ? [.. found.OrderByDescending(u => u.Id)] : [.. found.OrderBy(u => u.Id)];
            }
            else
            {
                // No SORT extension: sort the envelopes here (the size of the search result bounds this).
                var all = found.Count == 0 ? [] : await folder.FetchAsync(found, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.InternalDate, cancellationToken);
                var keyed = sort switch
                {
                    MessageSort.From => Order(all, s => s.Envelope?.From.Mailboxes.FirstOrDefault()?.ToString() ?? string.Empty, descending),
                    MessageSort.Subject => Order(all, s => s.Envelope?.Subject ?? string.Empty, descending),
                    MessageSort.Size => Order(all, s => s.Size ?? 0, descending),
                    _ => Order(all, s => s.Envelope?.Date ?? s.InternalDate ?? DateTimeOffset.MinValue, descending),
                };
                uids = [.. keyed.Select(s => s.UniqueId)];
            }
        }

        total = uids.Count;
        var pages = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        var slice = uids.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        summaries = slice.Count == 0 ? [] : await folder.FetchAsync(slice, RowItems, cancellationToken);
        var byUid = summaries.ToDictionary(s => s.UniqueId.Id);
        return new MessagePage([.. slice.Where(u => byUid.ContainsKey(u.Id)).Select(u => ToRow(byUid[u.Id]))], total, page, pages);
    }

    /// <summary>Subject, sender, recipients or body contain the words (IMAP SEARCH, RFC 9051 §6.4.4).</summary>
    private static SearchQuery Query(string text) =>
        SearchQuery.SubjectContains(text)
            .Or(SearchQuery.FromContains(text))
            .Or(SearchQuery.ToContains(text))
            .Or(SearchQuery.BodyContains(text));

    private static IEnumerable<IMessageSummary> Order<TKey>(IEnumerable<IMessageSummary> items, Func<IMessageSummary, TKey> key, bool descending) =>
        descending ? items.OrderByDescending(key) : items.OrderBy(key);

    private static OrderBy OrderBy(MessageSort sort, bool descending) => (sort, descending) switch
    {
        (MessageSort.From, false) => MailKit.Search.OrderBy.From,
        (MessageSort.From, true) => MailKit.Search.OrderBy.ReverseFrom,
        (MessageSort.Subject, false) => MailKit.Search.OrderBy.Subject,
        (MessageSort.Subject, true) => MailKit.Search.OrderBy.ReverseSubject,
        (MessageSort.Size, false) => MailKit.Search.OrderBy.Size,
        (MessageSort.Size, true) => MailKit.Search.OrderBy.ReverseSize,
        (_, false) => MailKit.Search.OrderBy.Date,
        _ => MailKit.Search.OrderBy.ReverseDate,
    };

    private static MessageRow ToRow(IMessageSummary summary)
    {
        var from = summary.Envelope?.From.Mailboxes.FirstOrDefault();
        var flags = summary.Flags ?? MessageFlags.None;
        return new MessageRow(
            summary.UniqueId.Id,
            from is null ? string.Empty : string.IsNullOrEmpty(from.Name) ? from.Address : from.Name,
            summary.Envelope?.Subject ?? string.Empty,
            summary.Envelope?.Date ?? summary.InternalDate ?? DateTimeOffset.MinValue,
            (long)(summary.Size ?? 0),
            flags.HasFlag(MessageFlags.Seen),
            flags.HasFlag(MessageFlags.Flagged),
            summary.Body is not null && summary.Attachments.Any());
    }
}
