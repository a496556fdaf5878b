using System.Runtime.ExceptionServices;

namespace Facteur.MailStore.Index;

/// <summary>
/// The fsync of <c>facteur-index.log</c> on a thread of its own, so a STORE on many messages makes its renames
/// while the disk commits the batch that records them; <see cref="Wait"/> before the reply. A thread rather than
/// the pool: the wait is under the folder's lock, and a starved pool would make the STORE wait for a worker to
/// be injected. A failure is rethrown by <see cref="Wait"/>: no OK is given for a batch that is not durable.
/// </summary>
internal sealed class LogFsync
{
    private readonly string _indexPath;
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    private LogFsync(string indexPath)
    {
        _indexPath = indexPath;
        _thread = new Thread(Run) { IsBackground = true, Name = "index log fsync" };
    }

    public static LogFsync Start(string indexPath)
    {
        var fsync = new LogFsync(indexPath);
        fsync._thread.Start();
        return fsync;
    }

    /// <summary>Returns once the log is on disk; throws what the fsync threw.</summary>
    public void Wait()
    {
        _thread.Join();
        _failure?.Throw();
    }

    private void Run()
    {
        try
        {
            FolderIndexLog.Fsync(_indexPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failure = ExceptionDispatchInfo.Capture(ex);
        }
    }
}
