using System.Text;

namespace Facteur.MailStore.Index;

/// <summary>
/// The display names of an address header exactly as written (RFC 2047 encoded words left encoded,
/// quoted strings unquoted, words joined by one space), one per mailbox in order, null for a bare
/// addr-spec. ENVELOPE reports names this way (as Dovecot does); MimeKit only gives decoded names.
/// </summary>
internal static class RawPhrases
{
    public static List<string?> Extract(string raw)
    {
        var phrases = new List<string?>();
        var element = new StringBuilder();
        string? pendingPhrase = null;
        bool inQuote = false, inAngle = false, hadAngle = false;
        var commentDepth = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (inQuote)
            {
                element.Append(c);
                if (c == '\\' && i + 1 < raw.Length)
                {
                    element.Append(raw[++i]);
                }
                else if (c == '"')
                {
                    inQuote = false;
                }

                continue;
            }

            if (commentDepth > 0)
            {
                commentDepth += c == '(' ? 1 : c == ')' ? -1 : 0;
                if (c == '\\')
                {
                    i++;
                }

                continue;
            }

            if (inAngle)
            {
                if (c == '>')
                {
                    inAngle = false;
                    phrases.Add(Clean(pendingPhrase ?? string.Empty));
                    hadAngle = true;
                    element.Clear();
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inQuote = true;
                    element.Append(c);
                    break;
                case '(':
                    commentDepth = 1;
                    break;
                case '<':
                    inAngle = true;
                    pendingPhrase = element.ToString();
                    break;
                case ':':
                    element.Clear(); // a group's display name: not a mailbox
                    hadAngle = false;
                    break;
                case ',':
                case ';':
                    EndElement();
                    break;
                default:
                    element.Append(c);
                    break;
            }
        }

        EndElement();
        return phrases;

        void EndElement()
        {
            if (!hadAngle && element.ToString().Trim().Length > 0)
            {
                phrases.Add(null); // addr-spec without a phrase
            }

            element.Clear();
            hadAngle = false;
        }
    }

    private static string? Clean(string phrase)
    {
        var words = new List<string>();
        var i = 0;
        while (i < phrase.Length)
        {
            var c = phrase[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var word = new StringBuilder();
            if (c == '"')
            {
                for (i++; i < phrase.Length && phrase[i] != '"'; i++)
                {
                    if (phrase[i] == '\\' && i + 1 < phrase.Length)
                    {
                        i++;
                    }

                    word.Append(phrase[i]);
                }

                i++;
            }
            else
            {
                for (; i < phrase.Length && !char.IsWhiteSpace(phrase[i]) && phrase[i] != '"'; i++)
                {
                    word.Append(phrase[i]);
                }
            }

            words.Add(word.ToString());
        }

        var result = string.Join(' ', words);
        return result.Length == 0 ? null : result;
    }
}
