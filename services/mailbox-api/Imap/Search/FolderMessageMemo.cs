using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Search;

/// <summary>
/// Something read from each message of a folder, kept in memory per folder and process (SEARCH's
/// decoded header fields, SORT's fields). A message's content never changes under its Maildir key,
/// so an entry is right as long as its key matches the record's: another key under the same UID (a
/// rebuilt uidlist) is a miss. Entries of expunged messages are swept once the table has grown past
/// the folder's size plus some slack; the table goes with its <see cref="MailFolder"/>.
/// </summary>
internal sealed class FolderMessageMemo<T>
    where T : class
{
    /// <summary>Slack before entries of messages no longer in the folder are swept out.</summary>
    private const int SweepSlack = 1024;

    private readonly ConditionalWeakTable<MailFolder, Table> _tables = new();

    /// <summary>What was kept for <paramref name="record"/>, or null when nothing (or a stale entry) is.</summary>
    public T? Find(MailFolder folder, MessageRecord record) =>
        _tables.TryGetValue(folder, out var table) && table.Entries.TryGetValue(record.Uid, out var hit) && hit.Key == record.Key ? hit.Value : null;

    /// <summary>Keeps <paramref name="value"/>, read from <paramref name="record"/>'s file.</summary>
    public void Add(MailFolder folder, MessageRecord record, T value)
    {
        var table = _tables.GetValue(folder, static _ => new Table());
        table.Entries[record.Uid] = (record.Key, value);

        // ConcurrentDictionary.Count takes every lock of the table: asked once per SweepSlack additions,
        // not once per message of a FETCH or SEARCH over the whole folder.
        if (Interlocked.Increment(ref table.Additions) % SweepSlack == 0 && table.Entries.Count > folder.State.Count + SweepSlack)
        {
            var state = folder.State;
            foreach (var uid in table.Entries.Keys)
            {
                if (state.FindByUid(uid) is null)
                {
                    table.Entries.TryRemove(uid, out _);
                }
            }
        }
    }

    /// <summary>Drops every entry kept for <paramref name="folder"/> (the next use reads the files again).</summary>
    public void Forget(MailFolder folder) => _tables.Remove(folder);

    private sealed class Table
    {
        public readonly ConcurrentDictionary<uint, (string Key, T Value)> Entries = new();
        public int Additions;
    }
}
