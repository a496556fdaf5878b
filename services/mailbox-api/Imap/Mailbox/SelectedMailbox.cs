using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>
/// The session's view of the selected mailbox: messages in sequence-number order as this client
/// knows them. Changes made by others (deliveries, other sessions, other replicas) are taken in by
/// <see cref="RefreshAsync"/>, which reports them as untagged EXISTS/EXPUNGE/FETCH — expunges only
/// when the caller says the RFC allows them now (§7.4.1), otherwise the message stays numbered, gone.
/// </summary>
internal sealed class SelectedMailbox
{
    private SelectedMailbox(string name, MaildirFolder folder, bool readOnly, MaildirSnapshot snapshot)
    {
        Name = name;
        Folder = folder;
        ReadOnly = readOnly;
        UidValidity = snapshot.UidValidity;
        NextUid = snapshot.NextUid;
        Messages = snapshot.Messages.Select(m => new MailboxMessage(m)).ToList();
    }

    public string Name { get; }

    public MaildirFolder Folder { get; }

    public bool ReadOnly { get; }

    public uint UidValidity { get; private set; }

    public uint NextUid { get; private set; }

    public List<MailboxMessage> Messages { get; }

    public uint Count => (uint)Messages.Count;

    public uint LastUid => Messages.Count == 0 ? 0 : Messages[^1].Uid;

    public static async Task<SelectedMailbox> OpenAsync(string name, MaildirFolder folder, bool readOnly, CancellationToken cancellationToken)
    {
        var snapshot = await folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        return new SelectedMailbox(name, folder, readOnly, snapshot);
    }

    /// <summary>1-based sequence number of a UID, or 0.</summary>
    public uint SequenceOf(uint uid)
    {
        int low = 0, high = Messages.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var value = Messages[mid].Uid;
            if (value == uid)
            {
                return (uint)mid + 1;
            }

            if (value < uid)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return 0;
    }

    /// <summary>Syncs with the disk and writes the untagged updates for what changed.</summary>
    public async Task RefreshAsync(ImapReplyWriter reply, bool allowExpunge, CancellationToken cancellationToken)
    {
        var snapshot = await Folder.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.UidValidity != UidValidity)
        {
            // The uidlist was recreated: every UID this client holds is void (RFC 3501 §2.3.1.1).
            throw new IOException("UIDVALIDITY changed under the selected mailbox.");
        }

        var current = snapshot.Messages.ToDictionary(m => m.Uid);
        for (var i = 0; i < Messages.Count; i++)
        {
            var known = Messages[i];
            if (!current.TryGetValue(known.Uid, out var now))
            {
                known.Gone = true;
                continue;
            }

            if (now.Flags != known.Message.Flags && !known.Gone)
            {
                reply.Untagged($"{i + 1} FETCH (UID {known.Uid} FLAGS {ImapFlags.Format(now.Flags)})");
            }

            known.Message = now;
        }

        if (allowExpunge)
        {
            for (var i = Messages.Count - 1; i >= 0; i--)
            {
                if (Messages[i].Gone)
                {
                    Messages.RemoveAt(i);
                    reply.Untagged($"{i + 1} EXPUNGE");
                }
            }
        }

        var before = Messages.Count;
        var last = LastUid;
        foreach (var message in snapshot.Messages)
        {
            if (message.Uid > last)
            {
                Messages.Add(new MailboxMessage(message));
            }
        }

        NextUid = snapshot.NextUid;
        if (Messages.Count != before)
        {
            reply.Untagged($"{Messages.Count} EXISTS");
            reply.Untagged("0 RECENT");
        }
    }

    /// <summary>Removes an expunged message from the view and reports it (EXPUNGE, MOVE, CLOSE).</summary>
    public void Expunged(ImapReplyWriter? reply, uint uid)
    {
        var seq = SequenceOf(uid);
        if (seq == 0)
        {
            return;
        }

        Messages.RemoveAt((int)seq - 1);
        reply?.Untagged($"{seq} EXPUNGE");
    }
}

/// <summary>One message of the selected mailbox as the session sees it.</summary>
internal sealed class MailboxMessage(MaildirMessage message)
{
    public MaildirMessage Message { get; set; } = message;

    public uint Uid => Message.Uid;

    /// <summary>Expunged by someone else, not yet reported to this client.</summary>
    public bool Gone { get; set; }
}
