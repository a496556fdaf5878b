using System.Runtime.ExceptionServices;

namespace Facteur.MailStore.Index;

/// <summary>
/// The write and fsync of a STORE's index batch on a thread of its own, so a STORE on many messages makes its
/// renames while the batch that records them is built, written and committed to disk; <see cref="Wait"/>
/// before anything else touches the index and before the reply. A thread rather than the pool: the wait is
/// under the folder's lock, and a starved pool would make the STORE wait for a worker to be injected. A
/// failure is rethrown by <see cref="Wait"/>: no OK is given for a batch that is not durable.
/// </summary>
internal sealed class IndexBatchWrite
{
    private readonly Action _write;
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    private IndexBatchWrite(Action write)
    {
        _write = write;
        _thread = new Thread(Run) { IsBackground = true, Name = "index batch write" };
    }

    public static IndexBatchWrite Start(Action write)
    {
        var batch = new IndexBatchWrite(write);
        batch._thread.Start();
        return batch;
    }

    /// <summary>Returns once the batch is on disk; throws what writing it threw.</summary>
    public void Wait()
    {
        _thread.Join();
        _failure?.Throw();
    }

    /// <summary>
    /// Returns once the batch has finished, whatever became of it: for a command that is already failing
    /// (its caller reads the index again), so that nothing writes the index after the folder's lock is released.
    /// </summary>
    public void Join() => _thread.Join();

    private void Run()
    {
        try
        {
            _write();
        }
        catch (Exception ex)
        {
            _failure = ExceptionDispatchInfo.Capture(ex); // rethrown on the STORE's own thread by Wait
        }
    }
}
