using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// One Maildir file name split into what readers use: the <em>key</em> (everything before
/// <c>:2,</c>, which stays the same when the file moves from new/ to cur/ or changes flags, and is
/// what <c>dovecot-uidlist</c> stores), the <c>,S=</c> and <c>,W=</c> sizes inside the key, the
/// system flags and the keyword letters (a–z, indexes into <c>dovecot-keywords</c>).
/// </summary>
public readonly record struct MaildirEntryName(string Key, MaildirFlags Flags, string Keywords, long? Size, long? VirtualSize)
{
    /// <summary>The separator between the key and the info: Maildir's ':' (Dovecot's default).</summary>
    public const string InfoPrefix = ":2,";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per file of a listing (MailFolder's first sync)
    public static MaildirEntryName Parse(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var colon = fileName.IndexOf(':', StringComparison.Ordinal);
        var key = KeyOf(fileName, colon < 0 ? fileName.Length : colon);
        var flags = MaildirFlags.None;
        var keywords = string.Empty;
        if (colon >= 0 && fileName.AsSpan(colon).StartsWith(InfoPrefix, StringComparison.Ordinal))
        {
            StringBuilder? letters = null; // most names carry no keywords: no builder per file in a scan
            foreach (var c in fileName.AsSpan(colon + InfoPrefix.Length))
            {
                var flag = FlagOf(c);
                if (flag != MaildirFlags.None)
                {
                    flags |= flag;
                }
                else if (c is >= 'a' and <= 'z')
                {
                    (letters ??= new StringBuilder()).Append(c);
                }
            }

            keywords = letters?.ToString() ?? string.Empty;
        }

        return new MaildirEntryName(key, flags, keywords, SizeField(key, ",S="), SizeField(key, ",W="));
    }

    /// <summary>The key of <paramref name="fileName"/>: everything before its first ':' (the whole name when it has none).</summary>
    public static string KeyOf(string fileName) => KeyOf(fileName, KeyLengthOf(fileName));

    /// <summary>The length of <paramref name="fileName"/>'s key (<see cref="KeyOf(string)"/>), without cutting it.</summary>
    internal static int KeyLengthOf(string fileName)
    {
        var colon = fileName.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? fileName.Length : colon;
    }

    /// <summary>The key of <paramref name="fileName"/> whose length is known: the name itself when it is all key.</summary>
    internal static string KeyOf(string fileName, int keyLength) => keyLength == fileName.Length ? fileName : fileName[..keyLength];

    /// <summary>The file name for this key with the given flags: flags in ASCII order then keyword letters, as Dovecot writes them.</summary>
    public string WithInfo(MaildirFlags flags, string keywords)
    {
        var sb = new StringBuilder(Key.Length + 12).Append(Key).Append(InfoPrefix);
        if (flags.HasFlag(MaildirFlags.Draft)) sb.Append('D');
        if (flags.HasFlag(MaildirFlags.Flagged)) sb.Append('F');
        if (flags.HasFlag(MaildirFlags.Passed)) sb.Append('P');
        if (flags.HasFlag(MaildirFlags.Replied)) sb.Append('R');
        if (flags.HasFlag(MaildirFlags.Seen)) sb.Append('S');
        if (flags.HasFlag(MaildirFlags.Trashed)) sb.Append('T');
        var letters = keywords.Where(c => c is >= 'a' and <= 'z').Distinct().Order();
        foreach (var c in letters)
        {
            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>The <c>,W=</c> size in a file name's key, without splitting the name (a first listing reads only this).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Parse
    public static long? VirtualSizeOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var colon = fileName.IndexOf(':', StringComparison.Ordinal);
        return VirtualSizeOfKey(colon < 0 ? fileName.AsSpan() : fileName.AsSpan(0, colon));
    }

    /// <summary>The <c>,W=</c> size in a key (a name before its ':'), for a caller that has the key already.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Parse
    public static long? VirtualSizeOfKey(ReadOnlySpan<char> key)
    {
        var at = key.IndexOf(",W=", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var digits = key[(at + 3)..];
        var end = 0;
        while (end < digits.Length && char.IsAsciiDigit(digits[end]))
        {
            end++;
        }

        return end > 0 && long.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static MaildirFlags FlagOf(char c) => c switch
    {
        'D' => MaildirFlags.Draft,
        'F' => MaildirFlags.Flagged,
        'P' => MaildirFlags.Passed,
        'R' => MaildirFlags.Replied,
        'S' => MaildirFlags.Seen,
        'T' => MaildirFlags.Trashed,
        _ => MaildirFlags.None,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Parse
    private static long? SizeField(string key, string marker)
    {
        var at = key.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + marker.Length;
        var end = start;
        while (end < key.Length && char.IsAsciiDigit(key[end]))
        {
            end++;
        }

        return end > start && long.TryParse(key.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }
}
