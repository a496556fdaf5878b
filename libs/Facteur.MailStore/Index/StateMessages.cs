using System.Collections;

namespace Facteur.MailStore.Index;

/// <summary>
/// The messages of one <see cref="FolderState"/>: the first <see cref="Count"/> records of a buffer that a
/// later state of the same folder may extend. When a sync only added messages (a delivery), the next state
/// writes its new records after this one's, in the same buffer, instead of copying every record into a new
/// array (800 KB at 100,000 messages, per delivery); a state never sees past its own count, and a buffer is
/// written only past the newest state's count, so every state stays as it was published. Any other change
/// (flags, an expunge) starts a new buffer.
/// </summary>
public sealed class StateMessages : IReadOnlyList<MessageRecord>
{
    private readonly MessageRecord[] _buffer;

    internal StateMessages(MessageRecord[] buffer, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length);
        _buffer = buffer;
        Count = count;
    }

    public int Count { get; }

    public MessageRecord this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return _buffer[index];
        }
    }

    /// <summary>
    /// True when this list is <paramref name="earlier"/> with messages added after it: the same records at
    /// the same positions, so whoever walked <paramref name="earlier"/> has nothing to compare again.
    /// </summary>
    public bool Extends(IReadOnlyList<MessageRecord> earlier) =>
        earlier is StateMessages other && ReferenceEquals(other._buffer, _buffer) && other.Count <= Count;

    /// <summary>The buffer, for the folder's next state to extend.</summary>
    internal MessageRecord[] Buffer => _buffer;

    public IEnumerator<MessageRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _buffer[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
