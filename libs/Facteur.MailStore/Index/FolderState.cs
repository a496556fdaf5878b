namespace Facteur.MailStore.Index;

/// <summary>
/// An immutable view of a folder after a sync: its messages in increasing UID order and the
/// counters IMAP reports. Sessions keep the state they last showed their client and compare it
/// with a newer one to produce EXISTS / EXPUNGE / FETCH updates (RFC 3501 §7.4.1, §5.2).
/// </summary>
/// <param name="Name">The folder's IMAP name ("INBOX", "Work.Projects").</param>
/// <param name="UidValidity">UIDVALIDITY from <c>dovecot-uidlist</c>.</param>
/// <param name="UidNext">The UID the next new message will get.</param>
/// <param name="HighestModSeq">RFC 7162 HIGHESTMODSEQ: the largest mod-sequence of any change (append, flag change, expunge).</param>
/// <param name="Messages">The messages, in increasing UID order.</param>
/// <param name="Keywords">Keywords defined in the folder's <c>dovecot-keywords</c> (for FLAGS / PERMANENTFLAGS).</param>
public sealed record FolderState(string Name, uint UidValidity, uint UidNext, ulong HighestModSeq, IReadOnlyList<MessageRecord> Messages, IReadOnlyList<string> Keywords)
{
    /// <summary>Number of messages (EXISTS).</summary>
    public int Count => Messages.Count;

    // Counted once per state on first use, then shared by every session that selects or asks STATUS while
    // nothing changed (a state is never modified, only replaced). -1 = not counted yet.
    private int _unseenCount = -1;
    private int _firstUnseenIndex = -2;

    /// <summary>Number of messages without \Seen (STATUS UNSEEN).</summary>
    public int UnseenCount
    {
        get
        {
            var count = Volatile.Read(ref _unseenCount);
            if (count < 0)
            {
                count = 0;
                foreach (var message in Messages)
                {
                    if ((message.Flags & MessageFlags.Seen) == 0)
                    {
                        count++;
                    }
                }

                Volatile.Write(ref _unseenCount, count);
            }

            return count;
        }
    }

    /// <summary>The 0-based position of the first message without \Seen (SELECT's <c>[UNSEEN n]</c>, RFC 3501 §6.3.1), or -1.</summary>
    public int FirstUnseenIndex
    {
        get
        {
            var index = Volatile.Read(ref _firstUnseenIndex);
            if (index == -2)
            {
                index = -1;
                for (var i = 0; i < Messages.Count; i++)
                {
                    if ((Messages[i].Flags & MessageFlags.Seen) == 0)
                    {
                        index = i;
                        break;
                    }
                }

                Volatile.Write(ref _firstUnseenIndex, index);
            }

            return index;
        }
    }

    /// <summary>Sum of <see cref="MessageRecord.Size"/> (STATUS SIZE, quota).</summary>
    public long TotalSize => Messages.Sum(m => m.Size);

    /// <summary>The 0-based position of <paramref name="uid"/> in <see cref="Messages"/>, or the bitwise complement of where it would be (as <see cref="Array.BinarySearch(Array, object)"/>).</summary>
    public int IndexOfUid(uint uid) => UidOrder.IndexOf(Messages, uid, static m => m.Uid);

    /// <summary>The message with <paramref name="uid"/>, or null.</summary>
    public MessageRecord? FindByUid(uint uid)
    {
        var index = IndexOfUid(uid);
        return index >= 0 ? Messages[index] : null;
    }
}
