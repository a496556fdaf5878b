using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailboxApi.Imap.Search;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>THREAD and UID THREAD (RFC 5256 §3): <c>THREAD algorithm charset search-key...</c>, ORDEREDSUBJECT or REFERENCES.</summary>
internal static class ThreadCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var algorithm = arguments.ReadAtom(allowBracket: false).ToUpperInvariant();
        if (algorithm is not ("ORDEREDSUBJECT" or "REFERENCES"))
        {
            throw new ImapParseException("Unknown threading algorithm");
        }

        arguments.Space();
        SearchMatches.ReadCharset(arguments);
        arguments.Space();
        var program = SearchKey.ParseProgram(arguments);
        arguments.ExpectEnd();

        var matches = SearchMatches.Find(mailbox, program, cancellationToken);
        var messages = await SearchMatches.WithSortFieldsAsync(mailbox, matches, needFields: true, cancellationToken).ConfigureAwait(false);
        var threads = algorithm == "REFERENCES" ? MessageThreads.References(messages) : MessageThreads.OrderedSubject(messages);
        var list = MessageThreads.Format(threads, request.Uid);
        session.Reply.Untagged(list.Length == 0 ? "THREAD" : "THREAD " + list);
        return new ImapResult("Thread completed.") { AllowExpunge = request.Uid };
    }
}
