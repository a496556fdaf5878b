using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// IMAP system flags ↔ Maildir info letters, as Dovecot maps them: \Answered=R, \Deleted=T, \Draft=D,
/// \Flagged=F, \Seen=S, $Forwarded=P. Keywords other than $Forwarded are not stored yet.
/// </summary>
internal static class ImapFlags
{
    public const string Permanent = @"\Answered \Flagged \Deleted \Seen \Draft $Forwarded";

    public static readonly (string Name, MaildirFlags Flag)[] Map =
    [
        (@"\Answered", MaildirFlags.Replied),
        (@"\Flagged", MaildirFlags.Flagged),
        (@"\Deleted", MaildirFlags.Trashed),
        (@"\Seen", MaildirFlags.Seen),
        (@"\Draft", MaildirFlags.Draft),
        ("$Forwarded", MaildirFlags.Passed),
    ];

    public static string Format(MaildirFlags flags) =>
        "(" + string.Join(' ', Map.Where(m => flags.HasFlag(m.Flag)).Select(m => m.Name)) + ")";

    /// <summary>The Maildir flag of an IMAP flag name, or None for flags Facteur does not store (\Recent, keywords).</summary>
    public static MaildirFlags Parse(string name)
    {
        foreach (var (flagName, flag) in Map)
        {
            if (string.Equals(flagName, name, StringComparison.OrdinalIgnoreCase))
            {
                return flag;
            }
        }

        return MaildirFlags.None;
    }
}
