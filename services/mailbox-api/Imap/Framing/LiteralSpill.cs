using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap.Framing;

/// <summary>
/// Where a literal larger than <see cref="MemoryLimit"/> goes while its command is framed: a file
/// in <see cref="Folder"/> (<c>{SpoolRoot}/imap/</c>, on the spool volume, not the container's
/// memory-backed /tmp), unlinked as soon as it is created. A 50 MB APPEND then costs the server
/// page cache, not three copies of the message on the managed heap, and a crash leaves no file.
/// One per listener, shared by its connections.
/// </summary>
internal sealed partial class LiteralSpill(string folder, IOptionsMonitor<ImapOptions> options, ILogger logger)
{
    private int _failureLogged;

    public string Folder { get; } = folder;

    /// <summary>Literals up to this many octets stay in memory (<c>Imap:LiteralMemoryLimit</c>, read as it is now).</summary>
    public long MemoryLimit => options.CurrentValue.LiteralMemoryLimit;

    /// <summary>
    /// A new anonymous file open for reading and writing, or null when the folder cannot be
    /// written (the literal is then framed in memory as before, and the failure is logged once).
    /// </summary>
    public FileStream? TryCreate()
    {
        try
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".literal");
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, bufferSize: 64 * 1024, FileOptions.Asynchronous);
            File.Delete(path);
            return file;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Interlocked.Exchange(ref _failureLogged, 1) == 0)
            {
                LogSpillFailed(logger, ex, Folder);
            }

            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot write large IMAP literals to {Folder}; they are kept in memory")]
    private static partial void LogSpillFailed(ILogger logger, Exception exception, string folder);
}
