using System.Diagnostics;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Search;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>The RFC 5256 threading algorithms on hand-made inputs: shapes the socket tests cannot cheaply build.</summary>
public sealed class MessageThreadsTests
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static SortableMessage Message(uint sequence, string? id, string subject, int minutes, IReadOnlyList<string>? references = null, IReadOnlyList<string>? inReplyTo = null)
    {
        var (baseSubject, reply) = (subject.StartsWith("Re: ", StringComparison.Ordinal) ? subject[4..] : subject, subject.StartsWith("Re: ", StringComparison.Ordinal));
        var record = new MessageRecord(sequence, "k" + sequence, "k" + sequence, false, 0, [], sequence, 100, Epoch);
        var fields = new SortFields(baseSubject, reply, Epoch.AddMinutes(minutes), null, null, null, null, null, id, inReplyTo ?? [], references ?? []);
        return new SortableMessage(sequence, new MailboxMessage(record), fields);
    }

    [Fact]
    public void A_reply_chain_tens_of_thousands_deep_is_threaded_without_recursion_and_quickly()
    {
        const int depth = 50_000;
        var messages = new List<SortableMessage> { Message(1, "m1", "chain", 0) };
        for (uint i = 2; i <= depth; i++)
        {
            messages.Add(Message(i, "m" + i, "Re: chain", (int)i, inReplyTo: ["m" + (i - 1)]));
        }

        var watch = Stopwatch.StartNew();
        var threads = MessageThreads.References(messages);
        var text = MessageThreads.Format(threads, uid: false);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Single(threads);
        Assert.Equal("(" + string.Join(' ', Enumerable.Range(1, depth)) + ")", text);
    }

    [Fact]
    public void Reference_loops_do_not_hang_or_lose_messages()
    {
        // 1 says its parent is 2, 2 says its parent is 1, 3 references itself.
        var messages = new List<SortableMessage>
        {
            Message(1, "x", "loop", 1, references: ["y"]),
            Message(2, "y", "Re: loop", 2, references: ["x"]),
            Message(3, "z", "self", 3, references: ["z"]),
        };
        var text = MessageThreads.Format(MessageThreads.References(messages), uid: false);
        Assert.Equal("(2 1)(3)", text);
    }

    [Fact]
    public void Duplicate_message_ids_keep_only_the_first_and_a_truncated_references_is_overridden()
    {
        var messages = new List<SortableMessage>
        {
            Message(1, "a", "topic", 1),
            Message(2, "a", "other", 2), // duplicate Message-ID: a thread of its own
            Message(3, "b", "Re: topic", 3, references: ["a"]),
            // References truncated to "b" first links c under b; d's full list then re-parents nothing wrongly.
            Message(4, "c", "Re: topic", 4, references: ["b"]),
            Message(5, "d", "Re: topic", 5, references: ["a", "c"]),
        };
        var text = MessageThreads.Format(MessageThreads.References(messages), uid: false);
        Assert.Equal("(1 3 4 5)(2)", text);
    }

    [Fact]
    public void Orderedsubject_sorts_threads_by_their_first_message_date()
    {
        var messages = new List<SortableMessage>
        {
            Message(1, null, "b", 10),
            Message(2, null, "a", 20),
            Message(3, null, "Re: b", 5),
            Message(4, null, "a", 15),
            Message(5, null, "c", 1),
        };
        Assert.Equal("(5)(3 1)(4 2)", MessageThreads.Format(MessageThreads.OrderedSubject(messages), uid: false));
        Assert.Equal("(5)(3 (1)(6))(4 2)", MessageThreads.Format(MessageThreads.OrderedSubject([.. messages, Message(6, null, "b", 11)]), uid: false));
    }
}
