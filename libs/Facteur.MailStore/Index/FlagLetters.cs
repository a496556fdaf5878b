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
    // Bit tests, not Enum.HasFlag: until the JIT's tier 1 takes over, HasFlag boxes both of its operands, and a
    // first sync calls this once per message before that happens (a cold SELECT of 10,000 allocated ≈ 3 MB of
    // boxed flags here: dotnet-trace allocation ticks, 2026-12-01).
    public static MessageFlags ToMessageFlags(MaildirFlags flags)
    {
        var result = MessageFlags.None;
        if ((flags & MaildirFlags.Seen) != 0) result |= MessageFlags.Seen;
        if ((flags & MaildirFlags.Replied) != 0) result |= MessageFlags.Answered;
        if ((flags & MaildirFlags.Flagged) != 0) result |= MessageFlags.Flagged;
        if ((flags & MaildirFlags.Trashed) != 0) result |= MessageFlags.Deleted;
        if ((flags & MaildirFlags.Draft) != 0) result |= MessageFlags.Draft;
        return result;
    }

    public static MaildirFlags ToMaildirFlags(MessageFlags flags)
    {
        var result = MaildirFlags.None;
        if ((flags & MessageFlags.Seen) != 0) result |= MaildirFlags.Seen;
        if ((flags & MessageFlags.Answered) != 0) result |= MaildirFlags.Replied;
        if ((flags & MessageFlags.Flagged) != 0) result |= MaildirFlags.Flagged;
        if ((flags & MessageFlags.Deleted) != 0) result |= MaildirFlags.Trashed;
        if ((flags & MessageFlags.Draft) != 0) result |= MaildirFlags.Draft;
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
