using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.Cli.Mbox;

/// <summary>
/// Flags as mbox keeps them in headers, the way Dovecot, mutt and Thunderbird read them:
/// <c>Status:</c> R = \Seen, O = old (not \Recent); <c>X-Status:</c> A = \Answered, F = \Flagged,
/// T = \Draft, D = \Deleted; <c>X-Keywords:</c> the keywords, separated by spaces (commas accepted).
/// Maildir's P (passed) has no letter there; it travels as the keyword <c>$Forwarded</c>, its IMAP name.
/// </summary>
internal sealed class MboxFlags
{
    public const string ForwardedKeyword = "$Forwarded";

    public MaildirFlags Flags { get; set; }

    /// <summary>False for a message no client has seen yet (Maildir new/, mbox without O).</summary>
    public bool Old { get; set; }

    public List<string> Keywords { get; } = [];

    /// <summary>Header names that carry mbox bookkeeping, hidden from the message as Dovecot hides them.</summary>
    public static bool IsBookkeepingHeader(string name) =>
        name.Equals("Status", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Status", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Keywords", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-UID", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-IMAP", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-IMAPbase", StringComparison.OrdinalIgnoreCase);

    public void ApplyStatus(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case 'R': Flags |= MaildirFlags.Seen; break;
                case 'O': Old = true; break;
            }
        }
    }

    public void ApplyXStatus(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case 'A': Flags |= MaildirFlags.Replied; break;
                case 'F': Flags |= MaildirFlags.Flagged; break;
                case 'T': Flags |= MaildirFlags.Draft; break;
                case 'D': Flags |= MaildirFlags.Trashed; break;
            }
        }
    }

    public void ApplyXKeywords(string value)
    {
        foreach (var keyword in value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (keyword.Equals(ForwardedKeyword, StringComparison.OrdinalIgnoreCase))
            {
                Flags |= MaildirFlags.Passed;
            }
            else if (!Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase))
            {
                Keywords.Add(keyword);
            }
        }
    }

    /// <summary>The header lines to write into an exported message, with the message's own line ending.</summary>
    public byte[] FormatHeaders(string newline)
    {
        var text = new StringBuilder();
        text.Append("Status: ").Append(Flags.HasFlag(MaildirFlags.Seen) ? "R" : string.Empty).Append(Old ? "O" : string.Empty).Append(newline);
        var x = new StringBuilder();
        if (Flags.HasFlag(MaildirFlags.Replied)) x.Append('A');
        if (Flags.HasFlag(MaildirFlags.Flagged)) x.Append('F');
        if (Flags.HasFlag(MaildirFlags.Draft)) x.Append('T');
        if (Flags.HasFlag(MaildirFlags.Trashed)) x.Append('D');
        if (x.Length > 0)
        {
            text.Append("X-Status: ").Append(x).Append(newline);
        }

        var keywords = Keywords.ToList();
        if (Flags.HasFlag(MaildirFlags.Passed))
        {
            keywords.Insert(0, ForwardedKeyword);
        }

        if (keywords.Count > 0)
        {
            text.Append("X-Keywords: ").AppendJoin(' ', keywords).Append(newline);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
