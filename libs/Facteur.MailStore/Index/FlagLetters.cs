using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// Between IMAP flags/keywords and Maildir info letters: D F R S T are \Draft \Flagged \Answered
/// \Seen \Deleted; P (passed) is the <c>$Forwarded</c> keyword, as Dovecot maps it; a–z index
/// <c>dovecot-keywords</c>.
/// </summary>
internal static class FlagLetters
{
    public const string Forwarded = "$Forwarded";

    public static MessageFlags ToMessageFlags(MaildirFlags flags)
    {
        var result = MessageFlags.None;
        if (flags.HasFlag(MaildirFlags.Seen)) result |= MessageFlags.Seen;
        if (flags.HasFlag(MaildirFlags.Replied)) result |= MessageFlags.Answered;
        if (flags.HasFlag(MaildirFlags.Flagged)) result |= MessageFlags.Flagged;
        if (flags.HasFlag(MaildirFlags.Trashed)) result |= MessageFlags.Deleted;
        if (flags.HasFlag(MaildirFlags.Draft)) result |= MessageFlags.Draft;
        return result;
    }

    public static MaildirFlags ToMaildirFlags(MessageFlags flags, bool forwarded)
    {
        var result = MaildirFlags.None;
        if (flags.HasFlag(MessageFlags.Seen)) result |= MaildirFlags.Seen;
        if (flags.HasFlag(MessageFlags.Answered)) result |= MaildirFlags.Replied;
        if (flags.HasFlag(MessageFlags.Flagged)) result |= MaildirFlags.Flagged;
        if (flags.HasFlag(MessageFlags.Deleted)) result |= MaildirFlags.Trashed;
        if (flags.HasFlag(MessageFlags.Draft)) result |= MaildirFlags.Draft;
        if (forwarded) result |= MaildirFlags.Passed;
        return result;
    }

    /// <summary>Keyword names of a file name's info (P as $Forwarded first, then letters in order).</summary>
    public static IReadOnlyList<string> Keywords(MaildirEntryName name, DovecotKeywords keywords)
    {
        if (name.Keywords.Length == 0 && !name.Flags.HasFlag(MaildirFlags.Passed))
        {
            return [];
        }

        var list = new List<string>(name.Keywords.Length + 1);
        if (name.Flags.HasFlag(MaildirFlags.Passed))
        {
            list.Add(Forwarded);
        }

        foreach (var letter in name.Keywords)
        {
            if (keywords.NameOf(letter) is { } keyword && !list.Contains(keyword, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(keyword);
            }
        }

        return list;
    }
}
