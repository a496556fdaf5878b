using System.Runtime.InteropServices;

namespace Facteur.MailStore.Index;

/// <summary>link(2): COPY shares the file between folders as Dovecot does (same inode, same mtime = internal date).</summary>
internal static partial class HardLink
{
    /// <summary>True when the link was made; false when the file system refused (the caller copies instead).</summary>
    public static bool TryCreate(string existing, string link)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        return Link(existing, link) == 0;
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);
}
