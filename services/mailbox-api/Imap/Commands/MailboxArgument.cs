using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>Reads a mailbox argument and normalises it; an unusable name is a NO, not a BAD (the syntax was fine).</summary>
internal static class MailboxArgument
{
    public static string Read(ImapParser parser)
    {
        var raw = parser.ReadAstring();
        return MailboxPath.Normalize(raw, out var error) ?? throw new ImapNoException(error ?? "Invalid mailbox name.", "CANNOT");
    }

    public static string ReadExisting(ImapParser parser, ImapSession session)
    {
        var name = Read(parser);
        return session.RequireFolders().Exists(name) ? name : throw new ImapNoException("Mailbox does not exist.", "NONEXISTENT");
    }
}
