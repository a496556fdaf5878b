namespace Facteur.MailStore.Folders;

/// <summary>
/// The descriptors of one Maildir folder's <c>cur/</c> and <c>new/</c> for one command, each opened
/// on first use (<see cref="DirectoryDescriptor"/>) and closed with the command, so a folder renamed
/// or deleted between commands is never reached through a stale descriptor. Not thread-safe.
/// </summary>
internal sealed class FolderDescriptors(string folderPath) : IDisposable
{
    private int _cur = -1;
    private int _new = -1;

    /// <summary>The descriptor of <c>new/</c> or <c>cur/</c>, or -1 with errno set when it cannot be opened.</summary>
    public int Of(bool isNew) => isNew ? OpenOnce(ref _new, "new") : OpenOnce(ref _cur, "cur");

    public void Dispose()
    {
        if (_cur >= 0)
        {
            _ = DirectoryDescriptor.Close(_cur);
            _cur = -1;
        }

        if (_new >= 0)
        {
            _ = DirectoryDescriptor.Close(_new);
            _new = -1;
        }
    }

    private int OpenOnce(ref int fd, string sub)
    {
        if (fd < 0)
        {
            fd = DirectoryDescriptor.Open(Path.Combine(folderPath, sub));
        }

        return fd;
    }
}
