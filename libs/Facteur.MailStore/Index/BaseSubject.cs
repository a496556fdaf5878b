using System.Text;

namespace Facteur.MailStore.Index;

/// <summary>
/// The base subject of RFC 5256 §2.1, used by SORT SUBJECT and THREAD: leading "Re:", "Fw:",
/// "Fwd:" (with optional [blob]s) and trailing "(fwd)" removed repeatedly, "[Fwd: …]" unwrapped,
/// whitespace collapsed. The input is the decoded subject (step 1 is MIME decoding).
/// </summary>
internal static class BaseSubject
{
    public static (string Base, bool IsReplyOrForward) Extract(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return (string.Empty, false);
        }

        // Step 1: tabs and folding whitespace to single spaces.
        var s = CollapseWhitespace(subject);
        var marked = false;
        while (true)
        {
            // Step 2: subj-trailer "(fwd)" and whitespace, repeatedly.
            while (true)
            {
                var trimmed = s.TrimEnd();
                if (trimmed.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    s = trimmed[..^5];
                    marked = true;
                    continue;
                }

                s = trimmed;
                break;
            }

            // Steps 3–5: subj-leader, then a leading subj-blob unless it is all that is left, repeatedly.
            while (true)
            {
                s = s.TrimStart();
                if (RemoveLeader(ref s))
                {
                    marked = true;
                    continue;
                }

                if (RemoveBlob(ref s))
                {
                    continue;
                }

                break;
            }

            // Step 6: "[fwd:" … "]".
            if (s.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && s.EndsWith(']'))
            {
                s = s[5..^1];
                marked = true;
                continue;
            }

            break;
        }

        return (s, marked);
    }

    /// <summary>subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; with leading blobs.</summary>
    private static bool RemoveLeader(ref string s)
    {
        var rest = s;
        // Any number of leading blobs before the refwd.
        while (rest.StartsWith('[') && SkipBlob(rest) is { } afterBlob)
        {
            rest = afterBlob.TrimStart();
        }

        string? prefix = null;
        foreach (var candidate in (string[])["re", "fwd", "fw"])
        {
            if (rest.StartsWith(candidate, StringComparison.OrdinalIgnoreCase))
            {
                prefix = candidate;
                break;
            }
        }

        if (prefix is null)
        {
            return false;
        }

        rest = rest[prefix.Length..].TrimStart();
        if (rest.StartsWith('[') && SkipBlob(rest) is { } blob)
        {
            rest = blob;
        }

        if (!rest.StartsWith(':'))
        {
            return false;
        }

        s = rest[1..];
        return true;
    }

    /// <summary>Step 5: remove a leading subj-blob unless that would leave nothing.</summary>
    private static bool RemoveBlob(ref string s)
    {
        if (!s.StartsWith('[') || SkipBlob(s) is not { } rest || rest.Trim().Length == 0)
        {
            return false;
        }

        s = rest;
        return true;
    }

    private static string? SkipBlob(string s)
    {
        // subj-blob = "[" *BLOBCHAR "]" *WSP; BLOBCHAR excludes '[' and ']'.
        var close = s.IndexOf(']', 1);
        if (close < 0 || s.AsSpan(1, close - 1).Contains('['))
        {
            return null;
        }

        return s[(close + 1)..].TrimStart();
    }

    private static string CollapseWhitespace(string value)
    {
        var sb = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                continue;
            }

            if (space && sb.Length > 0)
            {
                sb.Append(' ');
            }

            space = false;
            sb.Append(c);
        }

        return sb.ToString();
    }
}
