using System.Collections;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// A session's messages in sequence-number order. SELECT takes the folder's state as it is (shared,
/// immutable) and makes the session's own <see cref="MailboxMessage"/> of a message only when a command
/// first touches it, so selecting 100,000 messages allocates nothing per message; a change to the list
/// itself (EXISTS, EXPUNGE) turns it into a plain list once.
/// </summary>
internal sealed class SessionMessages : IReadOnlyList<MailboxMessage>
{
    private readonly IReadOnlyList<MessageRecord> _records;
    private MailboxMessage?[]? _made;
    private List<MailboxMessage>? _list;

    public SessionMessages(IReadOnlyList<MessageRecord> records) => _records = records;

    public int Count => _list?.Count ?? _records.Count;

    public MailboxMessage this[int index]
    {
        get
        {
            if (_list is { } list)
            {
                return list[index];
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_records.Count, nameof(index));
            var made = _made ??= new MailboxMessage?[_records.Count];
            return made[index] ??= new MailboxMessage(_records[index]);
        }
    }

    /// <summary>The UID at <paramref name="index"/>, without making the message (UIDs never change).</summary>
    public uint UidAt(int index) => _list is { } list ? list[index].Uid : _records[index].Uid;

    /// <summary>The 0-based position of <paramref name="uid"/>, or the bitwise complement of where it would be.</summary>
    public int IndexOfUid(uint uid) => _list is { } list
        ? UidOrder.IndexOf(list, uid, static m => m.Uid)
        : UidOrder.IndexOf(_records, uid, static m => m.Uid);

    /// <summary>The position of the first message whose UID is at least <paramref name="uid"/> (the count when none is).</summary>
    public int LowerBound(long uid) => _list is { } list
        ? UidOrder.LowerBound(list, uid, static m => m.Uid)
        : UidOrder.LowerBound(_records, uid, static m => m.Uid);

    public void Add(MailboxMessage message) => Materialize().Add(message);

    public void RemoveAt(int index) => Materialize().RemoveAt(index);

    public bool Exists(Predicate<MailboxMessage> match) => FindIndex(match) >= 0;

    public int FindIndex(Predicate<MailboxMessage> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        for (var i = 0; i < Count; i++)
        {
            if (match(this[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public IEnumerator<MailboxMessage> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<MailboxMessage> Materialize()
    {
        if (_list is null)
        {
            var list = new List<MailboxMessage>(_records.Count + 1);
            for (var i = 0; i < _records.Count; i++)
            {
                list.Add(this[i]);
            }

            _list = list;
            _made = null;
        }

        return _list;
    }
}
