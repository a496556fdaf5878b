namespace Facteur.MailStore.Index;

/// <summary>
/// The disk polls of the folders that IDLE sessions wait on, all on one thread of their own that
/// sleeps between rounds. A round reads each due folder's <see cref="DirectoryStamp"/> (stat calls
/// on this thread); only a folder whose stamp moved, or is too young to trust, gets a sync, started
/// on the thread pool.
/// <para>Why not a <see cref="PeriodicTimer"/> per folder, as until 2026-12-03: every tick of a timer is
/// a fire of the runtime's timer queue, which then walks every other pending timer (each IDLE session
/// has a 30-minute autologout timer), and a thread-pool work item, after which the pool worker spins
/// before it sleeps again and the pool's gate thread keeps waking twice a second. With 10,000 IDLE
/// connections on this 2-core machine that was 1.2 % of a core at rest, against 0.35 % without any
/// poll (docs/README-perf.md, "CPU at rest"). Here an unchanged folder costs a thread wake per interval
/// and its stat calls, and the pool stays asleep.</para>
/// </summary>
internal sealed class FolderPoll
{
    private readonly object _lock = new();
    private readonly HashSet<Subscription> _subscriptions = []; // removal is O(1): sessions enter and leave IDLE all day
    private Thread? _thread;

    /// <summary>The process's poll thread, shared by every store and folder.</summary>
    public static FolderPoll Shared { get; } = new();

    /// <summary>
    /// Polls a folder every <paramref name="interval"/> (first after one interval) until <see cref="Stop"/>:
    /// <paramref name="read"/> on the poll thread, <paramref name="sync"/> on the pool when the stamp moved,
    /// never two syncs of one subscription at once.
    /// </summary>
    public Subscription Start(TimeSpan interval, Func<DirectoryStamp> read, Func<CancellationToken, Task> sync)
    {
        var subscription = new Subscription(interval, read, sync);
        lock (_lock)
        {
            subscription.NextDue = Environment.TickCount64 + subscription.IntervalMs;
            _subscriptions.Add(subscription);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "Facteur IDLE disk poll" };
                _thread.Start();
            }

            Monitor.PulseAll(_lock);
        }

        return subscription;
    }

    /// <summary>Polls more often from now on (a waiter asked for a shorter interval); the next round is one new interval from now at the latest.</summary>
    public void Shorten(Subscription subscription, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_lock)
        {
            var ms = Subscription.Milliseconds(interval);
            if (ms >= subscription.IntervalMs)
            {
                return;
            }

            subscription.IntervalMs = ms;
            subscription.NextDue = Math.Min(subscription.NextDue, Environment.TickCount64 + ms);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>No more rounds for this folder; a sync it started is cancelled.</summary>
    public void Stop(Subscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }

        subscription.Cancel();
    }

    private void Run()
    {
        var due = new List<Subscription>();
        while (true)
        {
            lock (_lock)
            {
                while (true)
                {
                    if (_subscriptions.Count == 0)
                    {
                        Monitor.Wait(_lock);
                        continue;
                    }

                    var now = Environment.TickCount64;
                    var next = long.MaxValue;
                    foreach (var subscription in _subscriptions)
                    {
                        next = Math.Min(next, subscription.NextDue);
                    }

                    if (next <= now)
                    {
                        break;
                    }

                    Monitor.Wait(_lock, (int)Math.Min(next - now, int.MaxValue));
                }

                var round = Environment.TickCount64;
                foreach (var subscription in _subscriptions)
                {
                    if (subscription.NextDue <= round)
                    {
                        subscription.NextDue = round + subscription.IntervalMs;
                        due.Add(subscription);
                    }
                }
            }

            foreach (var subscription in due)
            {
                subscription.Poll();
            }

            due.Clear();
        }
    }

    /// <summary>One folder's place in the rounds.</summary>
    internal sealed class Subscription(TimeSpan interval, Func<DirectoryStamp> read, Func<CancellationToken, Task> sync)
    {
        private readonly CancellationTokenSource _stop = new();
        private DirectoryStamp? _last;
        private int _syncing;

        /// <summary>Guarded by the poll's lock.</summary>
        internal long IntervalMs { get; set; } = Milliseconds(interval);

        /// <summary>Guarded by the poll's lock.</summary>
        internal long NextDue { get; set; }

        internal static long Milliseconds(TimeSpan interval) => Math.Max(1, (long)interval.TotalMilliseconds);

        internal void Cancel() => _stop.Cancel();

        /// <summary>On the poll thread: read the stamp, and start a sync when it moved (or is too young to trust) and none is running.</summary>
        internal void Poll()
        {
            if (_stop.IsCancellationRequested || Volatile.Read(ref _syncing) != 0)
            {
                return;
            }

            DirectoryStamp stamp;
            try
            {
                stamp = read();
            }
            catch (IOException)
            {
                return;
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }

            // Written only by the sync that ended before _syncing went back to 0 (a release), read after it was seen 0.
            if (stamp == _last && stamp.IsSettled(DateTime.UtcNow))
            {
                return;
            }

            Volatile.Write(ref _syncing, 1);
            _ = Task.Run(() => SyncAsync(stamp));
        }

        private async Task SyncAsync(DirectoryStamp stamp)
        {
            try
            {
                await sync(_stop.Token).ConfigureAwait(false);
                _last = stamp;
            }
            catch (OperationCanceledException)
            {
                // Stopped: the last waiter left.
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            catch (MailStoreException)
            {
            }
            finally
            {
                Volatile.Write(ref _syncing, 0);
            }
        }
    }
}
