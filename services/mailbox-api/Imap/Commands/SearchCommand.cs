using Facteur.MailboxApi.Imap.Search;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>SEARCH and UID SEARCH (RFC 3501 §6.4.4) with CHARSET UTF-8/US-ASCII.</summary>
internal static class SearchCommand
{
    public static ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var returns = EsearchReturn.Read(arguments, "SEARCH");
        if (arguments.TryKeyword("CHARSET "))
        {
            SearchMatches.ReadCharset(arguments);
            arguments.Space();
        }

        var program = SearchKey.ParseProgram(arguments);
        arguments.ExpectEnd();
        var found = SearchMatches.Find(mailbox, program, cancellationToken).ConvertAll(m => request.Uid ? m.Message.Uid : m.Sequence);
        if (returns is null)
        {
            var modSeq = program.UsesModSeq && found.Count > 0
                ? $" (MODSEQ {found.Max(n => (request.Uid ? mailbox.Messages[(int)mailbox.SequenceOf(n) - 1] : mailbox.Messages[(int)n - 1]).Record.ModSeq)})"
                : string.Empty;
            session.Reply.Untagged(found.Count == 0 ? "SEARCH" : "SEARCH " + string.Join(' ', found) + modSeq);
        }
        else
        {
            session.Reply.Untagged(EsearchReturn.Format(request.Tag, request.Uid, found, returns, Parsing.SequenceSet.Format));
        }

        // The tagged reply's flush sends this line with it: one send, not two.
        return ValueTask.FromResult(new ImapResult("Search completed.") { AllowExpunge = request.Uid });
    }
}
