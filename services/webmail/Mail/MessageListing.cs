using System.Globalization;
using Facteur.Webmail.Imap;
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

/// <summary>
/// One page of a folder. <see cref="Top"/> is the highest UID the listing includes: the pager's
/// links carry it, so mail arriving while the user pages does not push messages from one page
/// onto the next; <see cref="Newer"/> counts the messages that arrived above it.
/// </summary>
internal sealed record MessagePage(IReadOnlyList<MessageRow> Rows, int Total, int Page, int PageCount, uint Top = 0, int Newer = 0);

/// <summary>
/// Lists one page of a folder with as little IMAP as possible: the page's 50 envelopes are the
/// only ones fetched. Arrival order is the sequence order (RFC 9051 §2.3.1.2), so the default list
/// is one FETCH of a sequence range. Other orders use UID SORT (RFC 5256) when the server has it;
/// otherwise the sort keys (sender, subject, date, size) are fetched once per message, kept in the
/// session's cache, and only new arrivals are fetched on the next page.
/// </summary>
internal static class MessageListing
{
    private const MessageSummaryItems RowItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope
        | MessageSummaryItems.Size | MessageSummaryItems.InternalDate | MessageSummaryItems.BodyStructure;

    private const MessageSummaryItems SortItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.InternalDate;

    public static async Task<MessagePage> LoadAsync(
        ImapLease lease, IMailFolder folder, string? search, MessageSort sort, bool descending, int page, int pageSize, uint? top, CancellationToken cancellationToken)
    {
        var client = lease.Client;
        if (string.IsNullOrWhiteSpace(search) && sort == MessageSort.Arrival)
        {
            return await ArrivalPageAsync(lease.Cache.ListingOf(folder.FullName, folder.UidValidity), folder, descending, page, pageSize, top, cancellationToken);
        }

        var query = string.IsNullOrWhiteSpace(search) ? SearchQuery.All : Query(search.Trim());
        IList<UniqueId> uids;
        if (sort == MessageSort.Arrival)
        {
            var found = await folder.SearchAsync(query, cancellationToken);
            uids = descending ? [.. found.OrderByDescending(u => u.Id)] : [.. found.OrderBy(u => u.Id)];
        }
        else if (client.Capabilities.HasFlag(ImapCapabilities.Sort))
        {
            uids = await folder.SortAsync(query, [OrderBy(sort, descending)], cancellationToken);
        }
        else
        {
            var found = await folder.SearchAsync(query, cancellationToken);
            var keys = await SortKeysAsync(lease.Cache.ListingOf(folder.FullName, folder.UidValidity), folder, found, query == SearchQuery.All, cancellationToken);
            uids = Sorted(found, keys, sort, descending);
        }

        var newer = 0;
        if (top is { } bound)
        {
            newer = uids.Count(u => u.Id > bound);
            uids = [.. uids.Where(u => u.Id <= bound)];
        }
        else
        {
            bound = uids.Count == 0 ? 0 : uids.Max(u => u.Id);
        }

        var total = uids.Count;
        var pages = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        var slice = uids.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var flags = slice.Count == 0 ? [] : await folder.FetchAsync(slice, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, cancellationToken);
        var byUid = flags.ToDictionary(s => s.UniqueId.Id);
        var rows = await RowsAsync(lease.Cache.ListingOf(folder.FullName, folder.UidValidity), folder, [.. slice.Where(u => byUid.ContainsKey(u.Id)).Select(u => byUid[u.Id])], cancellationToken);
        return new MessagePage(rows, total, page, pages, bound, newer);
    }

    /// <summary>
    /// Arrival order without a search: sequence numbers are arrival order, so a page is one FETCH
    /// of its sequence range. Messages above <paramref name="top"/> can only be the last ones
    /// (UIDs grow with sequence numbers), so they are left out by counting them, not by listing.
    /// </summary>
    private static async Task<MessagePage> ArrivalPageAsync(ListingCache cache, IMailFolder folder, bool descending, int page, int pageSize, uint? top, CancellationToken cancellationToken)
    {
        var count = folder.Count;
        var newer = 0;
        if (top is { } bound && count > 0)
        {
            // "n:*" always names the last message, even when n is above every UID (RFC 9051 §6.4.8): filter.
            var above = await folder.SearchAsync(SearchQuery.Uids(new UniqueIdRange(new UniqueId(Math.Min(bound, uint.MaxValue - 1) + 1), UniqueId.MaxValue)), cancellationToken);
            newer = above.Count(u => u.Id > bound);
        }

        var total = count - newer;
        var pageCount = Math.Max(1, (total + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pageCount);
        var first = descending ? Math.Max(0, total - page * pageSize) : (page - 1) * pageSize;
        var last = descending ? total - (page - 1) * pageSize - 1 : Math.Min(total, page * pageSize) - 1;
        // The flags of the page's range (they change); the rest of a row only for UIDs not seen before.
        IList<IMessageSummary> flags = total <= 0 || last < first ? [] : await folder.FetchAsync(first, last, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, cancellationToken);
        var ordered = (descending ? flags.OrderByDescending(s => s.Index) : flags.OrderBy(s => s.Index)).ToList();
        var rows = await RowsAsync(cache, folder, ordered, cancellationToken);

        if (top is null)
        {
            // The first view of the list fixes the bound: the highest UID present now.
            top = descending && page == 1 && ordered.Count > 0
                ? ordered[0].UniqueId.Id
                : total == 0 ? 0 : (await folder.FetchAsync(total - 1, total - 1, MessageSummaryItems.UniqueId, cancellationToken)).FirstOrDefault()?.UniqueId.Id ?? 0;
        }

        return new MessagePage(rows, Math.Max(0, total), page, pageCount, top.Value, newer);
    }

    /// <summary>Rows for the messages in <paramref name="withFlags"/> order: cached rows with fresh flags, the missing ones fetched by UID.</summary>
    private static async Task<IReadOnlyList<MessageRow>> RowsAsync(ListingCache cache, IMailFolder folder, IReadOnlyList<IMessageSummary> withFlags, CancellationToken cancellationToken)
    {
        var missing = withFlags.Where(s => !cache.Rows.ContainsKey(s.UniqueId.Id)).Select(s => s.UniqueId).ToList();
        if (missing.Count > 0)
        {
            if (cache.Rows.Count + missing.Count > ListingCache.MaxRows)
            {
                cache.Rows.Clear();
            }

            foreach (var summary in await folder.FetchAsync(missing, RowItems, cancellationToken))
            {
                cache.Rows[summary.UniqueId.Id] = ToRow(summary);
            }
        }

        var rows = new List<MessageRow>(withFlags.Count);
        foreach (var summary in withFlags)
        {
            if (cache.Rows.TryGetValue(summary.UniqueId.Id, out var row))
            {
                var current = summary.Flags ?? MessageFlags.None;
                rows.Add(row with { Seen = current.HasFlag(MessageFlags.Seen), Flagged = current.HasFlag(MessageFlags.Flagged) });
            }
        }

        return rows;
    }

    /// <summary>The sort keys of <paramref name="found"/>, fetching only the ones the cache does not have yet.</summary>
    private static async Task<ListingCache> SortKeysAsync(ListingCache keys, IMailFolder folder, IList<UniqueId> found, bool isAll, CancellationToken cancellationToken)
    {
        var missing = found.Where(u => !keys.Keys.ContainsKey(u.Id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var summary in await folder.FetchAsync(missing, SortItems, cancellationToken))
            {
                keys.Keys[summary.UniqueId.Id] = new MessageSortKey(
                    SenderKey(summary.Envelope?.From.Mailboxes.FirstOrDefault()),
                    BaseSubject(summary.Envelope?.Subject),
                    summary.Envelope?.Date ?? summary.InternalDate ?? DateTimeOffset.MinValue,
                    (long)(summary.Size ?? 0));
            }
        }

        if (isAll && keys.Keys.Count > found.Count)
        {
            // Expunged since the last listing: forget them so the cache does not grow forever.
            var present = new HashSet<uint>(found.Select(u => u.Id));
            foreach (var gone in keys.Keys.Keys.Where(uid => !present.Contains(uid)).ToList())
            {
                keys.Keys.Remove(gone);
            }
        }

        return keys;
    }

    private static List<UniqueId> Sorted(IList<UniqueId> found, ListingCache keys, MessageSort sort, bool descending)
    {
        var known = found.Where(u => keys.Keys.ContainsKey(u.Id));
        var compare = StringComparer.Create(CultureInfo.CurrentCulture, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);

        // Ties keep arrival order (RFC 5256 §3: ties are broken by sequence number).
        var ordered = sort switch
        {
            MessageSort.From => Order(known, u => keys.Keys[u.Id].From, descending, compare),
            MessageSort.Subject => Order(known, u => keys.Keys[u.Id].Subject, descending, compare),
            MessageSort.Size => Order(known, u => keys.Keys[u.Id].Size, descending, Comparer<long>.Default),
            _ => Order(known, u => keys.Keys[u.Id].Date, descending, Comparer<DateTimeOffset>.Default),
        };
        return [.. descending ? ordered.ThenByDescending(u => u.Id) : ordered.ThenBy(u => u.Id)];
    }

    private static IOrderedEnumerable<UniqueId> Order<TKey>(IEnumerable<UniqueId> items, Func<UniqueId, TKey> key, bool descending, IComparer<TKey> comparer) =>
        descending ? items.OrderByDescending(key, comparer) : items.OrderBy(key, comparer);

    /// <summary>What a sort by sender compares: the display name, else the address (RFC 5256 §3 sorts by mailbox; users see names).</summary>
    private static string SenderKey(MimeKit.MailboxAddress? from) =>
        from is null ? string.Empty : string.IsNullOrWhiteSpace(from.Name) ? from.Address : from.Name;

    /// <summary>The subject without its reply and forward prefixes ("Re:", "Fwd:", "Tr:"), as RFC 5256 §2.1's base subject.</summary>
    internal static string BaseSubject(string? subject)
    {
        var text = (subject ?? string.Empty).Trim();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var prefix in (string[])["re:", "fwd:", "fw:", "tr:", "réf:"])
            {
                if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    text = text[prefix.Length..].TrimStart();
                    changed = true;
                }
            }
        }

        return text;
    }

    /// <summary>Subject, sender, recipients or body contain the words (IMAP SEARCH, RFC 9051 §6.4.4).</summary>
    private static SearchQuery Query(string text) =>
        SearchQuery.SubjectContains(text)
            .Or(SearchQuery.FromContains(text))
            .Or(SearchQuery.ToContains(text))
            .Or(SearchQuery.BodyContains(text));

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
