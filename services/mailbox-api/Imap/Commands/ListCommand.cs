using System.Text;
using System.Text.RegularExpressions;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// LIST and LSUB (RFC 3501 §6.3.8–9) with the wildcards <c>*</c> and <c>%</c>; LIST-EXTENDED
/// (RFC 5258: selection SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE; several patterns; RETURN
/// SUBSCRIBED, CHILDREN, SPECIAL-USE), LIST-STATUS (RFC 5819), CHILDREN (RFC 3348) and SPECIAL-USE
/// (RFC 6154) attributes. Names are sent as they are stored: modified UTF-7.
/// </summary>
internal static class ListCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        var lsub = request.Name == "LSUB";
        var selection = new HashSet<string>(StringComparer.Ordinal);
        var returns = new HashSet<string>(StringComparer.Ordinal);
        var statusItems = new List<string>();
        arguments.Space();
        if (!lsub && arguments.PeekIs('('))
        {
            arguments.ReadList(() => selection.Add(arguments.ReadAtom().ToUpperInvariant()));
            if (selection.Any(s => s is not ("SUBSCRIBED" or "REMOTE" or "RECURSIVEMATCH" or "SPECIAL-USE")))
            {
                throw new Parsing.ImapParseException("Unknown LIST selection option");
            }

            if (selection.Contains("RECURSIVEMATCH") && selection.Count == 1)
            {
                throw new Parsing.ImapParseException("RECURSIVEMATCH needs another selection option");
            }

            arguments.Space();
        }

        var reference = arguments.ReadAstring();
        arguments.Space();
        var patterns = new List<string>();
        if (!lsub && arguments.PeekIs('('))
        {
            arguments.ReadList(() => patterns.Add(arguments.ReadListMailbox()));
        }
        else
        {
            patterns.Add(arguments.ReadListMailbox());
        }

        if (!lsub && arguments.TryConsume(' '))
        {
            if (!arguments.TryKeyword("RETURN"))
            {
                throw new Parsing.ImapParseException("Expected RETURN");
            }

            arguments.Space();
            arguments.ReadList(() =>
            {
                var option = arguments.ReadAtom().ToUpperInvariant();
                returns.Add(option);
                if (option == "STATUS")
                {
                    arguments.Space();
                    arguments.ReadList(() => statusItems.Add(arguments.ReadAtom().ToUpperInvariant()));
                    StatusCommand.Validate(statusItems);
                }
                else if (option is not ("SUBSCRIBED" or "CHILDREN" or "SPECIAL-USE"))
                {
                    throw new Parsing.ImapParseException("Unknown LIST return option");
                }
            });
        }

        arguments.ExpectEnd();
        var verb = request.Name;
        if (patterns.Count == 1 && patterns[0].Length == 0)
        {
            // §6.3.8: the hierarchy delimiter and the root of the reference.
            if (!lsub)
            {
                session.Reply.Untagged(@"LIST (\Noselect) ""."" """"");
            }

            return ImapResult.Ok();
        }

        var mailbox = session.RequireMailbox();
        var infos = await mailbox.ListFoldersAsync(cancellationToken).ConfigureAwait(false);
        var byName = infos.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var subscriptions = new HashSet<string>(await mailbox.GetSubscriptionsAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var onlySubscribed = lsub || selection.Contains("SUBSCRIBED");

        // LIST: folders and the hierarchy levels between them. LSUB / SUBSCRIBED: subscribed names
        // (and, for a plain LSUB, the levels above them) whether or not the folder still exists.
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in onlySubscribed ? subscriptions : (IEnumerable<string>)byName.Keys)
        {
            all.Add(name);
            if (lsub)
            {
                for (var dot = name.IndexOf(MailboxPath.Separator, StringComparison.Ordinal); dot > 0; dot = name.IndexOf(MailboxPath.Separator, dot + 1))
                {
                    all.Add(name[..dot]);
                }
            }
        }

        var matchers = patterns.Select(p => Compile(reference + p)).ToList();
        foreach (var name in all.OrderBy(n => n == "INBOX" ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            if (!matchers.Any(m => m.IsMatch(name)))
            {
                continue;
            }

            byName.TryGetValue(name, out var info);
            var specialUse = info is null || info.SpecialUse == SpecialUse.None ? null : "\\" + info.SpecialUse;
            if (selection.Contains("SPECIAL-USE") && specialUse is null)
            {
                continue;
            }

            var attributes = new List<string>();
            var exists = info?.Exists == true;
            if (lsub)
            {
                if (!subscriptions.Contains(name))
                {
                    // LSUB shows an unsubscribed parent only when % hid a subscribed child (§6.3.9).
                    if (!patterns[0].EndsWith('%'))
                    {
                        continue;
                    }

                    attributes.Add(@"\Noselect");
                }
            }
            else
            {
                if (!exists)
                {
                    attributes.Add(onlySubscribed || info is null ? @"\NonExistent" : @"\Noselect");
                }

                attributes.Add(info?.HasChildren == true ? @"\HasChildren" : @"\HasNoChildren");
                if (specialUse is not null && (selection.Count == 0 || selection.Contains("SPECIAL-USE") || returns.Contains("SPECIAL-USE")))
                {
                    attributes.Add(specialUse);
                }

                if ((onlySubscribed || returns.Contains("SUBSCRIBED")) && subscriptions.Contains(name))
                {
                    attributes.Add(@"\Subscribed");
                }
            }

            session.Reply.Untagged($"{verb} ({string.Join(' ', attributes)}) \".\" {ImapResponseBuilder.Quote(name)}");
            if (statusItems.Count > 0 && exists)
            {
                await StatusCommand.WriteAsync(session, name, statusItems, cancellationToken).ConfigureAwait(false);
            }
        }

        return ImapResult.Ok();
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
        // Linear-time matching: a backtracking engine needs exponential time for patterns like "*a*a*a…b".
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
    }
}
