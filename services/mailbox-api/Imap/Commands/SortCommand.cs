using System.Text;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailboxApi.Imap.Search;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// SORT and UID SORT (RFC 5256 §3) with every sort key, SORT=DISPLAY (RFC 5957) and ESORT's
/// RETURN options (RFC 5267 §3): <c>SORT [RETURN (...)] (criteria) charset search-key...</c>.
/// </summary>
internal static class SortCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var returns = EsearchReturn.Read(arguments, "SORT");
        var criteria = SortCriterion.ParseList(arguments);
        arguments.Space();
        SearchMatches.ReadCharset(arguments);
        arguments.Space();
        var program = SearchKey.ParseProgram(arguments);
        arguments.ExpectEnd();

        var matches = SearchMatches.Find(mailbox, program, cancellationToken);
        var sortable = await SearchMatches.WithSortFieldsAsync(mailbox, matches, criteria.Any(c => c.NeedsFields), cancellationToken).ConfigureAwait(false);
        sortable = SortCriterion.Sort(criteria, sortable);
        var numbers = sortable.Select(m => request.Uid ? m.Message.Uid : m.Sequence).ToList();

        if (returns is null)
        {
            var line = new StringBuilder("SORT");
            foreach (var number in numbers)
            {
                line.Append(' ').Append(number);
            }

            if (program.UsesModSeq && sortable.Count > 0)
            {
                // RFC 7162 §3.1.5 applies to SORT as to SEARCH.
                line.Append(" (MODSEQ ").Append(sortable.Max(m => m.Message.Record.ModSeq)).Append(')');
            }

            session.Reply.Untagged(line.ToString());
        }
        else
        {
            // RFC 5267 §3: MIN/MAX are the first and last in sort order; ALL keeps sort order, so no ranges are folded.
            session.Reply.Untagged(EsearchReturn.Format(request.Tag, request.Uid, numbers, returns, all => string.Join(',', all)));
        }

        return new ImapResult("Sort completed.") { AllowExpunge = request.Uid };
    }
}
