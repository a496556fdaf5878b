using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// A folder state's message list: a sync that only added messages writes them after the last state's records in
/// the same buffer (no copy of the whole list per delivery), and every state published stays exactly as it was;
/// a flag change or an expunge starts a new list, which a session must then walk.
/// </summary>
public sealed class StateMessagesTests
{
    private static StateMessages MessagesOf(FolderState state) => Assert.IsType<StateMessages>(state.Messages);

    [Fact]
    public async Task Deliveries_extend_the_last_state_s_list_and_leave_every_earlier_state_as_it_was()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 5; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"old {i}"), info: "S");
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var first = inbox.State;
        var states = new List<FolderState> { first };
        for (var i = 0; i < 40; i++) // past the first buffer's room: the list moves to a larger one once
        {
            maildir.Deliver(IndexTestMaildir.Message($"new {i}"));
            states.Add(await inbox.SyncAsync());
        }

        for (var s = 0; s < states.Count; s++)
        {
            // Each state still holds exactly its own messages, UIDs 1..5+s in order, whatever was written after it.
            Assert.Equal(Enumerable.Range(1, 5 + s).Select(u => (uint)u), states[s].Messages.Select(m => m.Uid));
            Assert.Equal(5 + s, states[s].Count);
            Assert.Throws<ArgumentOutOfRangeException>(() => states[s].Messages[5 + s]);
        }

        // Each state extends the one before it, except where the list outgrew its buffer: the first (an exact
        // array of 5, as a folder that has not grown keeps), then at 23 and 40 messages (room for an eighth more,
        // at least 16).
        var moved = Enumerable.Range(1, states.Count - 1).Where(s => !MessagesOf(states[s]).Extends(states[s - 1].Messages));
        Assert.Equal([1, 18, 35], moved);
        for (var s = 2; s < states.Count; s++)
        {
            Assert.Same(states[s - 1].Messages[0], states[s].Messages[0]); // records are kept, moved or not
        }

        Assert.True(MessagesOf(states[17]).Extends(states[2].Messages));
        Assert.False(MessagesOf(states[2]).Extends(states[3].Messages)); // shorter: it does not extend a later one
    }

    [Fact]
    public async Task A_flag_change_or_an_expunge_starts_a_new_list_and_the_earlier_states_keep_their_records()
    {
        using var maildir = new IndexTestMaildir();
        for (var i = 0; i < 4; i++)
        {
            maildir.Deliver(IndexTestMaildir.Message($"m {i}"), info: "S");
        }

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        maildir.Deliver(IndexTestMaildir.Message("grown"));
        var grown = await inbox.SyncAsync();
        maildir.Deliver(IndexTestMaildir.Message("more"));
        var before = await inbox.SyncAsync();
        Assert.True(MessagesOf(before).Extends(grown.Messages));
        var recordOfTwo = before.Messages[1];

        var flagged = (await inbox.UpdateFlagsAsync(new FlagChange([2u], FlagChangeMode.Add, MessageFlags.Flagged, []))).State;
        Assert.False(MessagesOf(flagged).Extends(before.Messages));
        Assert.True(flagged.Messages[1].Flags.HasFlag(MessageFlags.Flagged));
        Assert.Same(recordOfTwo, before.Messages[1]);
        Assert.False(before.Messages[1].Flags.HasFlag(MessageFlags.Flagged));
        Assert.Same(before.Messages[0], flagged.Messages[0]); // the records before the change are kept

        await inbox.UpdateFlagsAsync(new FlagChange([3u], FlagChangeMode.Add, MessageFlags.Deleted, []));
        await inbox.ExpungeAsync();
        var expunged = inbox.State;
        Assert.Equal([1u, 2u, 4u, 5u, 6u], expunged.Messages.Select(m => m.Uid));
        Assert.False(MessagesOf(expunged).Extends(flagged.Messages));
        Assert.Equal([1u, 2u, 3u, 4u, 5u, 6u], flagged.Messages.Select(m => m.Uid));

        // Deliveries after those grow the newest list: the first moves it to a buffer with room (the expunge left
        // an exact one), the next ones extend that.
        maildir.Deliver(IndexTestMaildir.Message("after"));
        var after = await inbox.SyncAsync();
        maildir.Deliver(IndexTestMaildir.Message("later"));
        var later = await inbox.SyncAsync();
        Assert.Same(expunged.Messages[^1], after.Messages[^2]);
        Assert.True(MessagesOf(later).Extends(after.Messages));
        Assert.Equal([1u, 2u, 4u, 5u, 6u, 7u, 8u], later.Messages.Select(m => m.Uid));
        Assert.Equal([1u, 2u, 4u, 5u, 6u], expunged.Messages.Select(m => m.Uid));
    }
}
