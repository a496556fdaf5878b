using System.Runtime;

namespace Facteur.MailStore.Index;

/// <summary>
/// Holds off garbage collection while a first sync builds a large folder's index (a cold SELECT of a
/// migrated 10,000-message folder). Everything that sync makes survives it (records, index entries,
/// the lookup tables), so each collection in the middle of it only copies live objects from one
/// generation to the next, and a large table that lands on the large object heap can start a
/// background gen2 collection that slows the next large allocation down. A profile of one cold SELECT
/// of 10,000 (perf, 2026-11-30) had two thirds of the sync's own time inside the runtime's allocation
/// slow path. The pause is process-wide, so it is only asked for such a burst, is given up (not waited
/// for) when another is in progress, and ends by itself if the process allocates more than it asked
/// (the runtime then collects as usual): nothing here is needed for correctness.
/// </summary>
internal readonly struct CollectionPause : IDisposable
{
    private readonly bool _started;

    /// <summary>
    /// Pauses that had ended before their sync did: the sync allocated more than its pause asked for (or another
    /// thread's pause ended it). Read by the tests that check what a first sync asks for still covers it.
    /// </summary>
    private static int outgrown;

    /// <summary>How many pauses had ended before their sync did (see the field of the same name).</summary>
    internal static int Outgrown => Volatile.Read(ref outgrown);

    private CollectionPause(bool started) => _started = started;

    /// <summary>
    /// Starts a pause for about <paramref name="bytes"/> of allocation without a full blocking collection
    /// to make room for it (the runtime refuses instead, and the sync runs with collections as before).
    /// </summary>
    public static CollectionPause For(long bytes)
    {
        // Asking while a pause is in progress ends that one (the runtime collects, then refuses): leave it be.
        // Two syncs that both get past this check at once only cost the first its pause.
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return default;
        }

        try
        {
            return new CollectionPause(GC.TryStartNoGCRegion(bytes, disallowFullBlockingGC: true));
        }
        catch (InvalidOperationException)
        {
            return default; // another sync's pause started in between
        }
        catch (ArgumentOutOfRangeException)
        {
            return default; // more than the runtime can set aside
        }
    }

    public void Dispose()
    {
        // The runtime ends the pause itself when the process allocated past it; another thread's
        // pause may also have ended this one. Either way there is nothing left to end, only to count.
        if (!_started)
        {
            return;
        }

        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            Interlocked.Increment(ref outgrown);
        }
        else
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
