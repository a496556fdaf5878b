using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Index;

/// <summary>
/// Between IMAP flags/keywords and Maildir info letters: D F R S T are \Draft \Flagged \Answered
/// \Seen \Deleted; a–z index <c>dovecot-keywords</c> (<c>$Forwarded</c> is an ordinary keyword there,
/// as Dovecot stores it). P (passed, set by mutt and others) has no IMAP flag in Dovecot: it is not
/// shown, and kept in the file name across flag changes.
/// </summary>
internal static class FlagLetters
{
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

    public static MaildirFlags ToMaildirFlags(MessageFlags flags)
    {
        var result = MaildirFlags.None;
        if (flags.HasFlag(MessageFlags.Seen)) result |= MaildirFlags.Seen;
        if (flags.HasFlag(MessageFlags.Answered)) result |= MaildirFlags.Replied;
        if (flags.HasFlag(MessageFlags.Flagged)) result |= MaildirFlags.Flagged;
        if (flags.HasFlag(MessageFlags.Deleted)) result |= MaildirFlags.Trashed;
        if (flags.HasFlag(MessageFlags.Draft)) result |= MaildirFlags.Draft;
        return result;
    }

    /// <summary>Keyword names of a set of letters (a = bit 0), in letter order.</summary>
    public static IReadOnlyList<string> Keywords(int letterSet, DovecotKeywords keywords)
    {
        if (letterSet == 0)
        {
            return [];
        }

        var list = new List<string>(System.Numerics.BitOperations.PopCount((uint)letterSet));
        for (var letter = 0; letter < 26; letter++)
        {
            if ((letterSet & (1 << letter)) != 0 && keywords.NameOf((char)('a' + letter)) is { } keyword
                && !list.Contains(keyword, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(keyword);
            }
        }

        return list;
    }

    /// <summary>Keyword names of a file name's letters, in letter order.</summary>
    public static IReadOnlyList<string> Keywords(MaildirEntryName name, DovecotKeywords keywords)
    {
        if (name.Keywords.Length == 0)
        {
            return [];
        }

        var list = new List<string>(name.Keywords.Length);
        foreach (var letter in name.Keywords.Order())
        {
            if (keywords.NameOf(letter) is { } keyword && !list.Contains(keyword, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(keyword);
            }
        }

        return list;
    }
}
