namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// The parameters of a Content-Type or Content-Disposition value (RFC 2045 §5.1) as they are written
/// in the message, for body-fld-param (RFC 3501 §7.4.2): values are not decoded — encoded words stay
/// encoded and RFC 2231 values keep their <c>name*</c> form with charset'language'%XX — because the
/// client decodes them (it alone knows what to do with the charset), and Dovecot and Cyrus send them so.
/// The one normalisation is RFC 2231 §3 continuations: <c>name*0</c>, <c>name*1*</c>… are joined
/// into one parameter (<c>name*</c> when the first segment is encoded), after the plain ones, as
/// Dovecot does. Quoted strings lose their quotes and backslashes; comments are skipped.
/// </summary>
internal static class RawParameters
{
    public static List<(string Name, string Value)> Parse(string? value)
    {
        var result = new List<(string Name, string Value)>();
        if (value is null)
        {
            return result;
        }

        var continued = new List<(string Base, SortedDictionary<int, (bool Encoded, string Value)> Segments)>();
        var i = 0;
        SkipPast(value, ref i, ';');
        while (i < value.Length)
        {
            SkipBlanks(value, ref i);
            var name = ReadToken(value, ref i);
            SkipBlanks(value, ref i);
            if (name.Length == 0 || i >= value.Length || value[i] != '=')
            {
                // Not name=value: skip to the next parameter.
                SkipPast(value, ref i, ';');
                continue;
            }

            i++;
            SkipBlanks(value, ref i);
            var text = i < value.Length && value[i] == '"' ? ReadQuoted(value, ref i) : ReadToken(value, ref i);
            SkipPast(value, ref i, ';');
            if (TrySplitContinuation(name, out var baseName, out var index, out var encoded))
            {
                var entry = continued.FindIndex(c => c.Base.Equals(baseName, StringComparison.OrdinalIgnoreCase));
                if (entry < 0)
                {
                    continued.Add((baseName, new SortedDictionary<int, (bool, string)>()));
                    entry = continued.Count - 1;
                }

                continued[entry].Segments.TryAdd(index, (encoded, text));
            }
            else
            {
                result.Add((name, text));
            }
        }

        foreach (var (baseName, segments) in continued)
        {
            var first = segments.First().Value;
            result.Add((first.Encoded ? baseName + "*" : baseName, string.Concat(segments.Values.Select(s => s.Value))));
        }

        return result;
    }

    /// <summary><c>name*0</c> / <c>name*1*</c> (RFC 2231 §3–4); a lone <c>name*</c> is an ordinary (encoded) parameter.</summary>
    private static bool TrySplitContinuation(string name, out string baseName, out int index, out bool encoded)
    {
        baseName = string.Empty;
        index = 0;
        encoded = false;
        var star = name.IndexOf('*', StringComparison.Ordinal);
        if (star <= 0 || star == name.Length - 1)
        {
            return false;
        }

        var rest = name.AsSpan(star + 1);
        if (rest[^1] == '*')
        {
            encoded = true;
            rest = rest[..^1];
        }

        if (rest.Length is 0 or > 4 || !int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            return false;
        }

        baseName = name[..star];
        return true;
    }

    private static void SkipBlanks(string value, ref int i)
    {
        while (i < value.Length)
        {
            if (value[i] is ' ' or '\t' or '\r' or '\n')
            {
                i++;
            }
            else if (value[i] == '(')
            {
                SkipComment(value, ref i);
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>A comment, nested and with quoted-pairs (RFC 5322 §3.2.2).</summary>
    private static void SkipComment(string value, ref int i)
    {
        var depth = 0;
        while (i < value.Length)
        {
            var c = value[i++];
            if (c == '\\')
            {
                i++;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth == 0)
            {
                return;
            }
        }
    }

    /// <summary>Moves past the next <paramref name="stop"/> that is outside quotes and comments (or to the end).</summary>
    private static void SkipPast(string value, ref int i, char stop)
    {
        while (i < value.Length)
        {
            var c = value[i];
            if (c == '"')
            {
                ReadQuoted(value, ref i);
            }
            else if (c == '(')
            {
                SkipComment(value, ref i);
            }
            else
            {
                i++;
                if (c == stop)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A token, leniently: up to a blank, ';', '=', a quote or a comment (some mailers leave '/' or '@' unquoted).</summary>
    private static string ReadToken(string value, ref int i)
    {
        var start = i;
        while (i < value.Length && value[i] is not (' ' or '\t' or '\r' or '\n' or ';' or '=' or '"' or '('))
        {
            i++;
        }

        return value[start..i];
    }

    private static string ReadQuoted(string value, ref int i)
    {
        var text = new System.Text.StringBuilder();
        i++;
        while (i < value.Length)
        {
            var c = value[i++];
            if (c == '"')
            {
                break;
            }

            if (c == '\\' && i < value.Length)
            {
                c = value[i++];
            }

            text.Append(c);
        }

        return text.ToString();
    }
}
