using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// The session's view of the selected mailbox: messages in sequence-number order as this client
/// knows them. Changes made by others (deliveries, other sessions, other replicas) come from the
/// store's index through <see cref="RefreshAsync"/>, which reports them as untagged EXISTS/EXPUNGE/FETCH —
/// expunges only when the caller says the RFC allows them now (§7.4.1); until then the message stays numbered, gone.
/// </summary>
internal sealed class SelectedMailbox
{
    private SelectedMailbox(string name, MailFolder folder, bool readOnly, FolderState state)
    {
        Name = name;
        Folder = folder;
        ReadOnly = readOnly;
        UidValidity = state.UidValidity;
        NextUid = state.UidNext;
        Keywords = state.Keywords;
        HighestModSeq = state.HighestModSeq;
        // The state's own list: no copy per SELECT (100,000 messages), and the state counted its first unseen once.
        Messages = new SessionMessages(state.Messages);
        FirstUnseenIndex = state.FirstUnseenIndex;
        _applied = state; // the view is this state: a refresh that finds it unchanged has nothing to walk
    }

    public string Name { get; }

    public MailFolder Folder { get; }

    public bool ReadOnly { get; }

    public uint UidValidity { get; }

    public uint NextUid { get; private set; }

    public ulong HighestModSeq { get; private set; }

    public IReadOnlyList<string> Keywords { get; private set; }

    public SessionMessages Messages { get; }

    /// <summary>The 0-based position of the first message without \Seen when selected, or -1 (SELECT's <c>[UNSEEN n]</c>).</summary>
    public int FirstUnseenIndex { get; }

    /// <summary>The state <see cref="Apply"/> last walked.</summary>
    private FolderState? _applied;

    /// <summary>
    /// Whether the last walk left messages marked gone (expunged elsewhere, not yet reported). Only a walk
    /// marks them for the state it walked (STORE marks them only for a newer state, which forces a walk),
    /// so with the same state and none left, an EXPUNGE-allowing refresh has nothing to report either.
    /// </summary>
    private bool _goneLeft;

    /// <summary>Set by the session when CONDSTORE is enabled: unsolicited FETCH responses carry MODSEQ.</summary>
    public bool CondStore { get; set; }

    /// <summary>Set by the session when QRESYNC is enabled: expunges are reported as VANISHED (RFC 7162 §3.2.10).</summary>
    public bool QResync { get; set; }

    public uint Count => (uint)Messages.Count;

    public uint LastUid => Messages.Count == 0 ? 0 : Messages.UidAt(Messages.Count - 1);

    /// <summary>
    /// The view of <paramref name="folder"/> as its last sync left it: the caller has just synced it (SELECT opens the
    /// folder with <see cref="UserMailbox.OpenFolderAsync"/>, which syncs), so a second sync would only find what the
    /// first found. It cost the directories' times and an open and read of the index's header, and when the folder had
    /// changed in the last two seconds (a delivery, a STORE) the folder's gate and lock file as well.
    /// </summary>
    public static SelectedMailbox Open(string name, MailFolder folder, bool readOnly) => new(name, folder, readOnly, folder.State);

    /// <summary>1-based sequence number of a UID, or 0.</summary>
    public uint SequenceOf(uint uid) => Messages.IndexOfUid(uid) is var at and >= 0 ? (uint)at + 1 : 0;

    /// <summary>Takes the newest records of messages this session changed itself (STORE, implicit \Seen).</summary>
    public void Update(FolderState state)
    {
        foreach (var message in Messages)
        {
            if (state.FindByUid(message.Uid) is { } now)
            {
                message.Record = now;
            }
        }
    }

    /// <summary>Syncs with the store and writes the untagged updates for what changed.</summary>
    public async Task RefreshAsync(ImapReplyWriter reply, bool allowExpunge, CancellationToken cancellationToken) =>
        Apply(reply, await Folder.SyncAsync(cancellationToken).ConfigureAwait(false), allowExpunge);

    /// <summary>
    /// Marks the messages missing from <paramref name="records"/> gone and reports flag changes, giving every
    /// message its new record; true when any message is gone. Both lists are in increasing UID order, so one
    /// forward walk finds each record (<see cref="UidOrder.WalkTo"/>), and a record the session already holds
    /// (a STORE's own, given by the command) is not compared again. Compiled optimized at once: see
    /// StoreCommand.TakeResult.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool WalkChanges(ImapReplyWriter reply, IReadOnlyList<MessageRecord> records)
    {
        var anyGone = false;
        var at = 0;
        for (var i = 0; i < Messages.Count; i++)
        {
            var known = Messages[i];
            if (UidOrder.WalkTo(records, ref at, known.Uid) is not { } now)
            {
                known.Gone = anyGone = true;
                continue;
            }

            if (ReferenceEquals(now, known.Record))
            {
                anyGone |= known.Gone;
                continue;
            }

            if (!known.Gone && (now.Flags != known.Record.Flags || !now.Keywords.SequenceEqual(known.Record.Keywords)))
            {
                reply.Untagged(CondStore
                    ? $"{i + 1} FETCH (UID {known.Uid} FLAGS {ImapFlags.Format(now)} MODSEQ ({now.ModSeq}))"
                    : $"{i + 1} FETCH (UID {known.Uid} FLAGS {ImapFlags.Format(now)})");
            }

            known.Record = now;
            anyGone |= known.Gone;
        }

        return anyGone;
    }

    public void Apply(ImapReplyWriter reply, FolderState state, bool allowExpunge)
    {
        // FolderState is immutable and the store hands out the same instance until something changes:
        // the walk below (a binary search per message, 100,000 of them after every command on a large
        // mailbox) has nothing to find then — unless expunges marked earlier may now be reported.
        if (ReferenceEquals(state, _applied) && !(allowExpunge && _goneLeft))
        {
            return;
        }

        var walked = _applied;
        _applied = state;
        if (state.UidValidity != UidValidity)
        {
            // The uidlist was recreated: every UID this client holds is void (RFC 3501 §2.3.1.1).
            throw new IOException("UIDVALIDITY changed under the selected mailbox.");
        }

        if (!state.Keywords.SequenceEqual(Keywords))
        {
            Keywords = state.Keywords;
            reply.Untagged("FLAGS " + ImapFlags.FolderFlags(Keywords));
        }

        // A state that only added messages to the one walked last (a delivery: the store extends the same list,
        // StateMessages) holds the same records for every message this session knows, so there is nothing to compare:
        // the walk was 100,000 steps per IDLE wake in a 100,000-message mailbox. Records the session took from a newer
        // state (its own STORE, FETCH's \Seen) came with a change that started a new list, so they force the walk.
        if (walked is null || state.Messages is not StateMessages messages || !messages.Extends(walked.Messages))
        {
            _goneLeft = WalkChanges(reply, state.Messages);
        }

        if (allowExpunge)
        {
            var vanished = new List<uint>();
            for (var i = Messages.Count - 1; i >= 0; i--)
            {
                if (Messages[i].Gone)
                {
                    vanished.Add(Messages[i].Uid);
                    Messages.RemoveAt(i);
                    if (!QResync)
                    {
                        reply.Untagged($"{i + 1} EXPUNGE");
                    }
                }
            }

            WriteVanished(reply, vanished);
            _goneLeft = false;
        }

        var before = Messages.Count;
        for (var i = UidOrder.LowerBound(state.Messages, (long)LastUid + 1, static m => m.Uid); i < state.Messages.Count; i++)
        {
            Messages.Add(new MailboxMessage(state.Messages[i]));
        }

        NextUid = state.UidNext;
        HighestModSeq = state.HighestModSeq;
        if (Messages.Count != before)
        {
            reply.Untagged($"{Messages.Count} EXISTS");
            reply.Untagged("0 RECENT");
        }
    }

    /// <summary>Removes an expunged message from the view and reports it (EXPUNGE, MOVE).</summary>
    public void Expunged(ImapReplyWriter reply, uint uid) => Expunged(reply, [uid]);

    /// <summary>
    /// Removes expunged messages from the view and reports them: <c>n EXPUNGE</c> each, highest
    /// first so the numbers stay right, or once QRESYNC is on one <c>VANISHED</c> with their UIDs.
    /// </summary>
    public void Expunged(ImapReplyWriter reply, IEnumerable<uint> uids)
    {
        var removed = new List<uint>();
        foreach (var uid in uids.OrderDescending())
        {
            var seq = SequenceOf(uid);
            if (seq == 0)
            {
                continue;
            }

            Messages.RemoveAt((int)seq - 1);
            removed.Add(uid);
            if (!QResync)
            {
                reply.Untagged($"{seq} EXPUNGE");
            }
        }

        WriteVanished(reply, removed);
    }

    private void WriteVanished(ImapReplyWriter reply, List<uint> uids)
    {
        if (QResync && uids.Count > 0)
        {
            uids.Sort();
            reply.Untagged("VANISHED " + Parsing.SequenceSet.Format(uids));
        }
    }
}

/// <summary>One message of the selected mailbox as the session sees it.</summary>
internal sealed class MailboxMessage(MessageRecord record)
{
    public MessageRecord Record { get; set; } = record;

    public uint Uid => Record.Uid;

    /// <summary>Expunged by someone else, not yet reported to this client.</summary>
    public bool Gone { get; set; }
}
