using System.Text;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>IMAP system flags ↔ the store's <see cref="MessageFlags"/>; other flags are keywords (stored in <c>dovecot-keywords</c>).</summary>
internal static class ImapFlags
{
    public const string System = @"\Answered \Flagged \Deleted \Seen \Draft";

    public static readonly (string Name, MessageFlags Flag)[] Map =
    [
        (@"\Answered", MessageFlags.Answered),
        (@"\Flagged", MessageFlags.Flagged),
        (@"\Deleted", MessageFlags.Deleted),
        (@"\Seen", MessageFlags.Seen),
        (@"\Draft", MessageFlags.Draft),
    ];

    public static string Format(MessageFlags flags, IReadOnlyList<string> keywords)
    {
        var text = new StringBuilder("(");
        foreach (var (name, flag) in Map)
        {
            if (flags.HasFlag(flag))
            {
                text.Append(text.Length > 1 ? " " : string.Empty).Append(name);
            }
        }

        foreach (var keyword in keywords)
        {
            text.Append(text.Length > 1 ? " " : string.Empty).Append(keyword);
        }

        return text.Append(')').ToString();
    }

    public static string Format(MessageRecord record) => Format(record.Flags, record.Keywords);

    /// <summary>
    /// The FLAGS list of <paramref name="record"/> as octets: from a table of the 32 lists of system flags
    /// alone (most messages have no keyword), so a FETCH 1:* of FLAGS makes no string per message.
    /// </summary>
    public static ReadOnlySpan<byte> Octets(MessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var system = (int)(record.Flags & AllSystem);
        return record.Keywords.Count == 0 && system == (int)record.Flags
            ? SystemOnly[system]
            : Encoding.UTF8.GetBytes(Format(record));
    }

    private const MessageFlags AllSystem = MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Seen | MessageFlags.Draft;

    /// <summary>The list of each combination of system flags, by its <see cref="MessageFlags"/> value.</summary>
    private static readonly byte[][] SystemOnly = BuildSystemOnly();

    private static byte[][] BuildSystemOnly()
    {
        var lists = new byte[(int)AllSystem + 1][];
        for (var flags = 0; flags < lists.Length; flags++)
        {
            lists[flags] = (flags & ~(int)AllSystem) == 0 ? Encoding.ASCII.GetBytes(Format((MessageFlags)flags, [])) : [];
        }

        return lists;
    }

    /// <summary>The FLAGS list of a folder: system flags and the keywords in use.</summary>
    public static string FolderFlags(IEnumerable<string> keywords) => "(" + string.Join(' ', [System, .. keywords]) + ")";

    /// <summary>Adds one flag to the set being built: a system flag, or a keyword. \Recent cannot be stored (§6.4.6).</summary>
    public static void Add(string name, ref MessageFlags flags, List<string> keywords)
    {
        foreach (var (flagName, flag) in Map)
        {
            if (string.Equals(flagName, name, StringComparison.OrdinalIgnoreCase))
            {
                flags |= flag;
                return;
            }
        }

        if (name.StartsWith('\\'))
        {
            if (name.Equals(@"\Recent", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            throw new Parsing.ImapParseException("Unknown system flag " + name);
        }

        if (!keywords.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            keywords.Add(name);
        }
    }
}
