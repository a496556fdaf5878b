using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, each with .SILENT.</summary>
internal static class StoreCommand
{
    private const MaildirFlags AllSystem = MaildirFlags.Draft | MaildirFlags.Flagged | MaildirFlags.Passed | MaildirFlags.Replied | MaildirFlags.Seen | MaildirFlags.Trashed;

    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var messages = MessageSetArgument.Read(arguments, mailbox, request.Uid);
        arguments.Space();
        var action = arguments.ReadAtom().ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        var mode = silent ? action[..^".SILENT".Length] : action;
        if (mode is not ("FLAGS" or "+FLAGS" or "-FLAGS"))
        {
            throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS");
        }

        arguments.Space();
        var flags = MaildirFlags.None;
        if (arguments.PeekIs('('))
        {
            arguments.ReadList(() => flags |= ReadFlag(arguments));
        }
        else
        {
            flags |= ReadFlag(arguments);
            while (arguments.TryConsume(' '))
            {
                flags |= ReadFlag(arguments);
            }
        }

        arguments.ExpectEnd();
        if (mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        var (add, remove) = mode switch
        {
            "+FLAGS" => (flags, MaildirFlags.None),
            "-FLAGS" => (MaildirFlags.None, flags),
            _ => (flags, AllSystem & ~flags),
        };
        foreach (var (sequence, entry) in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (mailbox.Folder.ChangeFlags(entry.Message, add, remove) is { } changed)
            {
                entry.Message = changed;
            }
            else
            {
                entry.Gone = true;
            }

            if (!silent)
            {
                session.Reply.Untagged(request.Uid
                    ? $"{sequence} FETCH (UID {entry.Uid} FLAGS {ImapFlags.Format(entry.Message.Flags)})"
                    : $"{sequence} FETCH (FLAGS {ImapFlags.Format(entry.Message.Flags)})");
            }
        }

        await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new ImapResult("Store completed.") { AllowExpunge = request.Uid };
    }

    private static MaildirFlags ReadFlag(ImapParser arguments)
    {
        return ImapFlags.Parse(arguments.ReadFlag());
    }
}
