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

    /// <summary>Number of messages without \Seen (STATUS UNSEEN).</summary>
    public int UnseenCount => Messages.Count(m => (m.Flags & MessageFlags.Seen) == 0);

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
