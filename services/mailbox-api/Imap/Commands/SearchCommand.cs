using Facteur.MailboxApi.Imap.Search;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>SEARCH and UID SEARCH (RFC 3501 §6.4.4) with CHARSET UTF-8/US-ASCII.</summary>
internal static class SearchCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        HashSet<string>? returns = null;
        if (arguments.TryKeyword("RETURN "))
        {
            // ESEARCH (RFC 4731): RETURN () means ALL.
            returns = new HashSet<string>(StringComparer.Ordinal);
            arguments.ReadList(() => returns.Add(arguments.ReadAtom().ToUpperInvariant()));
            if (returns.Any(r => r is not ("MIN" or "MAX" or "COUNT" or "ALL")))
            {
                throw new Parsing.ImapParseException("Unknown SEARCH RETURN option");
            }

            if (returns.Count == 0)
            {
                returns.Add("ALL");
            }

            arguments.Space();
        }

        if (arguments.TryKeyword("CHARSET "))
        {
            var charset = arguments.ReadAstring();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapNoException("Unsupported charset.", "BADCHARSET (UTF-8 US-ASCII)");
            }

            arguments.Space();
        }

        var program = SearchKey.ParseProgram(arguments);
        arguments.ExpectEnd();
        var found = new List<uint>();
        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = mailbox.Messages[i];
            if (entry.Gone)
            {
                continue;
            }

            if (new SearchEvaluator(mailbox, (uint)i + 1, entry).Matches(program))
            {
                found.Add(request.Uid ? entry.Uid : (uint)i + 1);
            }
        }

        if (returns is null)
        {
            var modSeq = program.UsesModSeq && found.Count > 0
                ? $" (MODSEQ {found.Max(n => (request.Uid ? mailbox.Messages[(int)mailbox.SequenceOf(n) - 1] : mailbox.Messages[(int)n - 1]).Record.ModSeq)})"
                : string.Empty;
            session.Reply.Untagged(found.Count == 0 ? "SEARCH" : "SEARCH " + string.Join(' ', found) + modSeq);
        }
        else
        {
            var result = new System.Text.StringBuilder($"ESEARCH (TAG {ImapResponseBuilder.Quote(request.Tag)})");
            if (request.Uid)
            {
                result.Append(" UID");
            }

            if (found.Count > 0 && returns.Contains("MIN"))
            {
                result.Append(" MIN ").Append(found[0]);
            }

            if (found.Count > 0 && returns.Contains("MAX"))
            {
                result.Append(" MAX ").Append(found[^1]);
            }

            if (returns.Contains("COUNT"))
            {
                result.Append(" COUNT ").Append(found.Count);
            }

            if (found.Count > 0 && returns.Contains("ALL"))
            {
                result.Append(" ALL ").Append(Parsing.SequenceSet.Format(found));
            }

            session.Reply.Untagged(result.ToString());
        }
        await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new ImapResult("Search completed.") { AllowExpunge = request.Uid };
    }
}
