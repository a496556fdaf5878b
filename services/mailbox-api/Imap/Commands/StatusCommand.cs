using Facteur.MailStore.Folders;

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
        if (items.Count == 0 || items.Any(i => i is not ("MESSAGES" or "RECENT" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN")))
        {
            throw new Parsing.ImapParseException("Unknown STATUS item");
        }
    }

    /// <summary>Writes "* STATUS name (...)" (also used by LIST-STATUS, RFC 5819).</summary>
    public static async Task WriteAsync(ImapSession session, string name, IReadOnlyCollection<string> items, CancellationToken cancellationToken)
    {
        var snapshot = await session.RequireFolders().Open(name).SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        var values = items.Distinct().Select(item => item + " " + item switch
        {
            "MESSAGES" => snapshot.Messages.Count,
            "RECENT" => 0,
            "UIDNEXT" => (long)snapshot.NextUid,
            "UIDVALIDITY" => (long)snapshot.UidValidity,
            _ => snapshot.Messages.Count(m => !m.Flags.HasFlag(MaildirFlags.Seen)),
        });
        session.Reply.Untagged($"STATUS {ImapResponseBuilder.Quote(name)} ({string.Join(' ', values)})");
    }
}
