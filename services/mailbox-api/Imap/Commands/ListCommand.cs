using System.Text;
using System.Text.RegularExpressions;
using Facteur.MailboxApi.Imap.Mailbox;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// LIST and LSUB (RFC 3501 §6.3.8–9) with the wildcards <c>*</c> and <c>%</c>, CHILDREN attributes
/// (RFC 3348) and SPECIAL-USE attributes (RFC 6154). Names are sent as they are stored: modified UTF-7.
/// </summary>
internal static class ListCommand
{
    public static ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var reference = arguments.ReadAstring();
        arguments.Space();
        var pattern = arguments.ReadListMailbox();
        arguments.ExpectEnd();
        var verb = request.Name;
        if (pattern.Length == 0)
        {
            // §6.3.8: the hierarchy delimiter and the root of the reference.
            if (verb == "LIST")
            {
                session.Reply.Untagged(@"LIST (\Noselect) ""."" """"");
            }

            return ValueTask.FromResult(ImapResult.Ok());
        }

        var folders = session.RequireFolders();
        var existing = folders.All();
        var existingSet = new HashSet<string>(existing, StringComparer.Ordinal);
        var subscribed = verb == "LSUB" ? folders.Subscriptions() : null;

        // Every name and every ancestor of one: parents that are not folders show as \Noselect.
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in subscribed ?? (IEnumerable<string>)existing)
        {
            all.Add(name);
            for (var dot = name.IndexOf(MailboxPath.Separator, StringComparison.Ordinal); dot > 0; dot = name.IndexOf(MailboxPath.Separator, dot + 1))
            {
                all.Add(name[..dot]);
            }
        }

        var matcher = Compile(reference + pattern);
        var lines = new List<string>();
        foreach (var name in all.OrderBy(n => n == "INBOX" ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            if (!matcher.IsMatch(name))
            {
                continue;
            }

            var attributes = new List<string>();
            var isListed = subscribed is null ? existingSet.Contains(name) : subscribed.Contains(name);
            if (!isListed)
            {
                if (subscribed is not null)
                {
                    // LSUB shows an unsubscribed parent only when % hid a subscribed child (§6.3.9).
                    if (!pattern.EndsWith('%'))
                    {
                        continue;
                    }
                }

                attributes.Add(@"\Noselect");
            }

            if (subscribed is null)
            {
                var hasChildren = existing.Any(n => n.StartsWith(name + MailboxPath.Separator, StringComparison.Ordinal));
                attributes.Add(hasChildren ? @"\HasChildren" : @"\HasNoChildren");
                if (SpecialUse.AttributeOf(name) is { } use)
                {
                    attributes.Add(use);
                }
            }

            lines.Add($"{verb} ({string.Join(' ', attributes)}) \".\" {ImapResponseBuilder.Quote(name)}");
        }

        foreach (var line in lines)
        {
            session.Reply.Untagged(line);
        }

        return ValueTask.FromResult(ImapResult.Ok());
    }

    /// <summary>'*' matches anything, '%' anything but the separator; INBOX matches case-insensitively.</summary>
    private static Regex Compile(string pattern)
    {
        if (pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            pattern = "INBOX" + pattern[5..];
        }

        var regex = new StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '%' => @"[^.]*",
                _ => Regex.Escape(c.ToString()),
            });
        }

        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
