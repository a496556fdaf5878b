using System.Runtime.CompilerServices;
namespace Facteur.MailStore.Folders;

/// <summary>
/// The flags and keyword letters of a Maildir file name's <c>:2,</c> info, the letters as a bit set
/// (a = bit 0): what a flag change reads and writes for every message of a STORE, without the key
/// substring, size fields and letter strings of a full <see cref="MaildirEntryName.Parse"/>. Reads a
/// name exactly as <see cref="MaildirEntryName.Parse"/> does, and <see cref="FileName"/> writes it as
/// <see cref="MaildirEntryName.WithInfo"/> does (flags in ASCII order, then distinct letters in order).
/// </summary>
internal readonly record struct MaildirInfo(MaildirFlags Flags, int Keywords)
{
    /// <summary>Flags D F P R S T and at most 26 letters after ":2,".</summary>
    private const int MaxInfoLength = 3 + 6 + 26;

    /// <summary>Reads the info of <paramref name="fileName"/>; <paramref name="keyLength"/> is where the key ends (its first ':').</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // once per message of a STORE (see MailFolder.UpdateFlagsLocked)
    public static MaildirInfo Parse(string fileName, out int keyLength)
    {
        var colon = fileName.IndexOf(':', StringComparison.Ordinal);
        keyLength = colon < 0 ? fileName.Length : colon;
        if (colon < 0 || !fileName.AsSpan(colon).StartsWith(MaildirEntryName.InfoPrefix, StringComparison.Ordinal))
        {
            return default;
        }

        var flags = MaildirFlags.None;
        var keywords = 0;
        foreach (var c in fileName.AsSpan(colon + MaildirEntryName.InfoPrefix.Length))
        {
            switch (c)
            {
                case 'D': flags |= MaildirFlags.Draft; break;
                case 'F': flags |= MaildirFlags.Flagged; break;
                case 'P': flags |= MaildirFlags.Passed; break;
                case 'R': flags |= MaildirFlags.Replied; break;
                case 'S': flags |= MaildirFlags.Seen; break;
                case 'T': flags |= MaildirFlags.Trashed; break;
                case >= 'a' and <= 'z': keywords |= 1 << (c - 'a'); break;
                default: break; // other characters carry nothing Dovecot or Facteur reads
            }
        }

        return new MaildirInfo(flags, keywords);
    }

    /// <summary>The keyword letters a–z of <paramref name="letters"/> as a bit set.</summary>
    public static int LetterSet(ReadOnlySpan<char> letters)
    {
        var set = 0;
        foreach (var c in letters)
        {
            if (c is >= 'a' and <= 'z')
            {
                set |= 1 << (c - 'a');
            }
        }

        return set;
    }

    /// <summary>
    /// <paramref name="fileName"/> with this info in place of its own, given its key length; the same
    /// string instance when nothing in the name changes (no allocation for a message already so).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Parse
    public string FileName(string fileName, int keyLength)
    {
        Span<char> info = stackalloc char[MaxInfoLength];
        var length = Write(info);
        var current = fileName.AsSpan(keyLength);
        return current.SequenceEqual(info[..length]) ? fileName : string.Concat(fileName.AsSpan(0, keyLength), info[..length]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Parse
    private int Write(Span<char> info)
    {
        MaildirEntryName.InfoPrefix.CopyTo(info);
        var at = MaildirEntryName.InfoPrefix.Length;
        if (Flags.HasFlag(MaildirFlags.Draft)) info[at++] = 'D';
        if (Flags.HasFlag(MaildirFlags.Flagged)) info[at++] = 'F';
        if (Flags.HasFlag(MaildirFlags.Passed)) info[at++] = 'P';
        if (Flags.HasFlag(MaildirFlags.Replied)) info[at++] = 'R';
        if (Flags.HasFlag(MaildirFlags.Seen)) info[at++] = 'S';
        if (Flags.HasFlag(MaildirFlags.Trashed)) info[at++] = 'T';
        for (var letter = 0; letter < 26; letter++)
        {
            if ((Keywords & (1 << letter)) != 0)
            {
                info[at++] = (char)('a' + letter);
            }
        }

        return at;
    }
}
