using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Facteur.MailStore;

/// <summary>
/// fsync(2) of a directory, so that a rename into it survives a power loss: POSIX makes the
/// new directory entry durable only once the directory itself is synced. .NET has no API for
/// it (FileStream cannot open a directory), hence the libc calls. Linux only; elsewhere a no-op.
/// <para><see cref="FsyncAsync"/> is the group commit: concurrent writers renaming into the same
/// directory share one fsync instead of queueing one each (see <see cref="GroupCommit"/>).</para>
/// </summary>
public static partial class DirectorySync
{
    /// <summary>One group commit per directory that has callers right now (removed when idle, so a server with many mailboxes holds only the busy ones).</summary>
    private static readonly ConcurrentDictionary<string, GroupCommit> Groups = new(StringComparer.Ordinal);

    /// <summary>Called with the directory right before each group-commit fsync (tests hold or count them).</summary>
    internal static Action<string>? BeforeGroupFsync { get; set; }

    /// <summary>
    /// Completes once an fsync of <paramref name="directory"/> that <em>started after this call</em>
    /// has finished, so every rename the caller made into it before calling is durable. Callers
    /// arriving while an fsync runs share the next one: at concurrency N, one fsync per round
    /// instead of N in a row. The fsync blocks one thread-pool thread per busy directory, not one per caller.
    /// </summary>
    public static Task FsyncAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!OperatingSystem.IsLinux())
        {
            return Task.CompletedTask;
        }

        while (true)
        {
            var group = Groups.GetOrAdd(directory, static d => new GroupCommit(d));
            if (group.TryJoin(out var done))
            {
                return cancellationToken.CanBeCanceled ? done.WaitAsync(cancellationToken) : done;
            }

            // That group went idle and left the table between GetOrAdd and TryJoin: take a fresh one.
        }
    }

    /// <summary>
    /// The state of one directory's group commit. Invariant: a caller joins the batch that the
    /// next fsync to <em>start</em> will take, never one already running (its rename might not be
    /// covered). A single runner loop takes the waiting batch, fsyncs, completes it, and repeats
    /// while callers keep arriving.
    /// </summary>
    private sealed class GroupCommit(string directory)
    {
        private readonly Lock gate = new();
        private TaskCompletionSource? waiting;
        private bool running;
        private bool retired;

        public bool TryJoin(out Task done)
        {
            bool start;
            lock (gate)
            {
                if (retired)
                {
                    done = Task.CompletedTask;
                    return false;
                }

                waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                done = waiting.Task;
                start = !running;
                running = true;
            }

            if (start)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static group => group.Run(), this, preferLocal: false);
            }

            return true;
        }

        private void Run()
        {
            while (true)
            {
                TaskCompletionSource? batch;
                lock (gate)
                {
                    batch = waiting;
                    waiting = null;
                    if (batch is null)
                    {
                        running = false;
                        retired = true;
                        Groups.TryRemove(new KeyValuePair<string, GroupCommit>(directory, this));
                        return;
                    }
                }

                try
                {
                    BeforeGroupFsync?.Invoke(directory);
                    Fsync(directory);
                    batch.SetResult();
                }
                catch (Exception e)
                {
                    batch.SetException(e);
                }
            }
        }
    }

    private const int ORdOnly = 0;

    // O_DIRECTORY differs by architecture: 0200000 on x86/x64, 040000 on ARM and AArch64.
    private static readonly int ODirectory =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    private const int OCloExec = 0x80000;

    /// <summary>Called with the directory right before each <see cref="Fsync(string)"/> (tests see which renames were made durable).</summary>
    internal static Action<string>? BeforeFsync { get; set; }

    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        BeforeFsync?.Invoke(directory);
        var fd = Open(directory, ORdOnly | ODirectory | OCloExec);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) for fsync failed", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
