

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>STATUS (RFC 3501 §6.3.10): MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN, SIZE (RFC 8438).</summary>
internal static class StatusCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.ReadExisting(arguments, session);
        arguments.Space();
        var items = new List<string>();
        arguments.ReadList(() => items.Add(arguments.ReadAtom().ToUpperInvariant()));
        arguments.ExpectEnd();
        Validate(items);

        await WriteAsync(session, name, items, cancellationToken).ConfigureAwait(false);
        return ImapResult.Ok();
    }

    public static void Validate(IReadOnlyCollection<string> items)
    {
        if (items.Count == 0 || items.Any(i => i is not ("MESSAGES" or "RECENT" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "HIGHESTMODSEQ" or "SIZE")))
        {
            throw new Parsing.ImapParseException("Unknown STATUS item");
        }
    }

    /// <summary>Writes "* STATUS name (...)" (also used by LIST-STATUS, RFC 5819).</summary>
    public static async Task WriteAsync(ImapSession session, string name, IReadOnlyCollection<string> items, CancellationToken cancellationToken)
    {
        // OpenFolderAsync syncs the folder: its state is this command's (LIST-STATUS asks this of every folder).
        var snapshot = (await session.RequireMailbox().OpenFolderAsync(name, cancellationToken).ConfigureAwait(false)).State;
        var values = items.Distinct().Select(item => item + " " + item switch
        {
            "MESSAGES" => snapshot.Messages.Count,
            "RECENT" => 0,
            "UIDNEXT" => (long)snapshot.UidNext,
            "UIDVALIDITY" => (long)snapshot.UidValidity,
            "HIGHESTMODSEQ" => (long)snapshot.HighestModSeq,
            "SIZE" => snapshot.TotalSize,
            _ => snapshot.UnseenCount,
        });
        session.Reply.Untagged($"STATUS {ImapResponseBuilder.Quote(name)} ({string.Join(' ', values)})");
    }
}
