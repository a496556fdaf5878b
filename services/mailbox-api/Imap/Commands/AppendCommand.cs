using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>APPEND (RFC 3501 §6.3.11) with flags, keywords and internal date, answered with APPENDUID (RFC 4315); quota enforced by the store.</summary>
internal static class AppendCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.Read(arguments);
        arguments.Space();
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        if (arguments.PeekIs('('))
        {
            arguments.ReadList(() => ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords));
            arguments.Space();
        }

        DateTimeOffset? date = null;
        if (arguments.PeekIs('"'))
        {
            date = ImapDate.ParseDateTime(arguments.ReadStringText());
            arguments.Space();
        }

        // A large message is read from the file the framing spilled it into (Imap:LiteralMemoryLimit).
        using var stream = arguments.ReadStringContent();
        arguments.ExpectEnd();
        var mailbox = session.RequireMailbox();
        if (!mailbox.FolderExists(name))
        {
            throw new ImapNoException("Mailbox does not exist.", "TRYCREATE");
        }

        var folder = await mailbox.OpenFolderAsync(name, cancellationToken).ConfigureAwait(false);
        var result = await folder.AppendAsync(stream, new AppendRequest(flags, keywords, date), cancellationToken).ConfigureAwait(false);
        session.Services.Telemetry.Appended.Add(1);
        return ImapResult.Ok($"[APPENDUID {result.UidValidity} {result.Uid}] Append completed.");
    }
}
