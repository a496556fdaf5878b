using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>APPEND (RFC 3501 §6.3.11) with flags and internal date, answered with APPENDUID (RFC 4315).</summary>
internal static class AppendCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.Space();
        var flags = MaildirFlags.None;
        if (arguments.PeekIs('('))
        {
            arguments.ReadList(() => flags |= ImapFlags.Parse(arguments.ReadFlag()));
            arguments.Space();
        }

        var date = DateTimeOffset.UtcNow;
        if (arguments.PeekIs('"'))
        {
            date = ImapDate.ParseDateTime(arguments.ReadStringText());
            arguments.Space();
        }

        var content = arguments.ReadStringBytes();
        arguments.ExpectEnd();
        var folders = session.RequireFolders();
        if (!folders.Exists(name))
        {
            throw new ImapNoException("Mailbox does not exist.", "TRYCREATE");
        }

        var folder = folders.Open(name);
        var key = folders.Store(folder, content, flags, date);
        var snapshot = await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        var uid = snapshot.Messages.FirstOrDefault(m => m.Key == key)?.Uid ?? 0;
        session.Services.Telemetry.Appended.Add(1);
        return ImapResult.Ok(uid == 0 ? "Append completed." : $"[APPENDUID {snapshot.UidValidity} {uid}] Append completed.");
    }
}
