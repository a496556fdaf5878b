using System.Collections.Concurrent;

namespace Facteur.MailStore.Index;

/// <summary>
/// The one in-process instance per key that sessions share (a user's mailbox, a folder's state). An instance
/// is held strongly until it has gone unused for the retention (<see cref="ReleaseIdle"/>), then only weakly:
/// one that a session still holds is found again, so two sessions never hold two instances of one key and
/// still wake each other, and one that nobody holds is left to the collector. Without this every folder ever
/// opened stayed in memory for the life of the process (≈ 60 MB for 100,000 messages).
/// </summary>
internal sealed class SharedInstances<T>
    where T : class
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>True while an instance is held strongly (used within the retention).</summary>
    public bool HoldsAny
    {
        get
        {
            // The dictionary's enumerator, not .Values: no lock taken, no list made.
            foreach (var (_, slot) in _slots)
            {
                if (Volatile.Read(ref slot.Strong) is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The instance of <paramref name="key"/>, made by <paramref name="create"/> when none is alive; marks it used now.</summary>
    public T GetOrAdd(string key, Func<string, T> create)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(key, static _ => new Slot());
            lock (slot)
            {
                if (slot.Removed)
                {
                    continue; // swept or removed between the lookup and the lock: a fresh slot is in its place
                }

                slot.LastUsed = Environment.TickCount64;
                if ((slot.Strong = slot.Target) is null)
                {
                    slot.Strong = create(key);
                    slot.Weak = new WeakReference<T>(slot.Strong);
                }

                return slot.Strong;
            }
        }
    }

    /// <summary>The instances alive now, held strongly or not.</summary>
    public IEnumerable<T> Alive()
    {
        foreach (var (_, slot) in _slots)
        {
            T? alive;
            lock (slot)
            {
                alive = slot.Target;
            }

            if (alive is not null)
            {
                yield return alive;
            }
        }
    }

    /// <summary>The instance of <paramref name="key"/> if one is alive, else null. Does not mark it used.</summary>
    public T? Find(string key)
    {
        if (!_slots.TryGetValue(key, out var slot))
        {
            return null;
        }

        lock (slot)
        {
            return slot.Target;
        }
    }

    /// <summary>Forgets the instance of <paramref name="key"/> (its folder is gone): the next open makes a new one.</summary>
    public void Remove(string key)
    {
        if (_slots.TryGetValue(key, out var slot))
        {
            Drop(key, slot);
        }
    }

    /// <summary>Forgets the instances whose key matches (a folder renamed with its children): the next open makes a new one.</summary>
    public void RemoveWhere(Func<string, bool> match)
    {
        foreach (var (key, slot) in _slots)
        {
            if (match(key))
            {
                Drop(key, slot);
            }
        }
    }

    /// <summary>
    /// Holds only weakly each instance unused for <paramref name="retention"/> (<paramref name="released"/>, if
    /// given, is told of each), and forgets the slots of instances already collected. <paramref name="keep"/> says an
    /// instance is still in use: it vetoes a release, and holds strongly again a released one that a session used since.
    /// </summary>
    public void ReleaseIdle(TimeSpan retention, Func<T, bool> keep, Action<T>? released = null)
    {
        var now = Environment.TickCount64;
        foreach (var (key, slot) in _slots)
        {
            T? instance = null;
            lock (slot)
            {
                if (slot.Strong is { } strong && now - slot.LastUsed >= retention.TotalMilliseconds && !keep(strong))
                {
                    instance = strong;
                    slot.Strong = null;
                }
                else if (slot.Strong is null && slot.Weak?.TryGetTarget(out var alive) == true)
                {
                    // Released earlier while a session held it, and used since: held again, so the retention
                    // counts from its last use, not from when it was first opened.
                    if (keep(alive))
                    {
                        slot.Strong = alive;
                    }
                }
                else if (slot.Strong is null)
                {
                    slot.Removed = true;
                }
            }

            if (instance is not null)
            {
                released?.Invoke(instance);
            }
            else if (slot.Removed)
            {
                _slots.TryRemove(new KeyValuePair<string, Slot>(key, slot));
            }
        }
    }

    private void Drop(string key, Slot slot)
    {
        lock (slot)
        {
            slot.Removed = true;
            slot.Strong = null;
            slot.Weak = null;
        }

        _slots.TryRemove(new KeyValuePair<string, Slot>(key, slot));
    }

    private sealed class Slot
    {
        public T? Strong;
        public WeakReference<T>? Weak;
        public long LastUsed;
        public bool Removed;

        /// <summary>The instance if it is alive, held strongly or not (read under the slot's lock).</summary>
        public T? Target => Strong ?? (Weak?.TryGetTarget(out var held) == true ? held : null);
    }
}
