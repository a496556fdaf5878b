using System.ComponentModel.DataAnnotations;
using System.Text;
using Facteur.Accounts;
using Facteur.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace Facteur.Delivery.Tests;

/// <summary>
/// The wake-ups, through the delivery consumer on the in-memory bus: the first copy after a quiet interval is
/// announced at once; later copies within <c>Delivery:AnnounceInterval</c> (20 ms by default; the fake clock stands
/// still until a test moves it) in one publish at its end, one entry per folder carrying its newest copy.
/// </summary>
public class DeliveredAnnouncerTests
{
    private const string Body = "Subject: wake\r\n\r\nHello\r\n";

    private static MailReceived Message(string queueId, string recipient) => new()
    {
        QueueId = queueId,
        ReversePath = "sender@example.org",
        Recipients = [recipient],
        ReceivedAt = DateTimeOffset.UtcNow,
        Size = Body.Length,
        Content = Encoding.ASCII.GetBytes(Body),
    };

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    [Fact]
    public async Task Copies_into_one_folder_within_the_interval_are_announced_once_at_its_end_by_the_newest()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"), time: clock);

        // A quiet folder: the first copy is announced without waiting for the clock.
        var first = NewQueueId();
        await host.PublishAsync(Message(first, "alice@esp.sn"));
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == first));

        // Four more within the interval (the clock has not moved): durable at once, announced together later.
        var burst = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var queueId = NewQueueId();
            burst.Add(queueId);
            await host.PublishAsync(Message(queueId, "alice@esp.sn"));
            await host.Observed.WaitForOutcomeAsync(queueId);
        }

        Assert.Equal(5, host.Files("alice@esp.sn").Length);
        await Task.Delay(200);
        Assert.Single(host.Observed.Delivered);

        clock.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually(() => host.Observed.Delivered.Count >= 2);
        await Task.Delay(200);
        var events = host.Observed.Delivered.ToArray();
        Assert.Equal(2, events.Length);
        Assert.Equal(2, Volatile.Read(ref host.Observed.DeliveredPublishes));
        var newest = events[1];
        Assert.Equal(burst[^1], newest.QueueId);
        Assert.Equal("alice@esp.sn", newest.Mailbox);
        Assert.Equal("INBOX", newest.Folder);
        Assert.Contains(host.Files("alice@esp.sn"), f => Path.GetFileName(f) == newest.FileName);
        Assert.Empty(host.Observed.Faults);
    }

    [Fact]
    public async Task A_batch_of_several_folders_is_one_publish_with_each_folders_newest_copy()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var resolver = new TableResolver("esp.sn")
            .User("alice@esp.sn")
            .User("bob@esp.sn")
            .Map("alice+work@esp.sn", new RecipientResolution(RecipientKind.Local, ["alice@esp.sn"], [], "Work"));
        await using var host = await DeliveryHost.StartAsync(resolver, time: clock);
        var first = NewQueueId();
        await host.PublishAsync(Message(first, "alice@esp.sn"));
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == first));

        // Within the interval: three folders, bob's INBOX twice (its entry carries the later copy).
        var work = NewQueueId();
        var bobFirst = NewQueueId();
        var inbox = NewQueueId();
        var bob = NewQueueId();
        foreach (var (queueId, recipient) in new[] { (work, "alice+work@esp.sn"), (bobFirst, "bob@esp.sn"), (inbox, "alice@esp.sn"), (bob, "bob@esp.sn") })
        {
            await host.PublishAsync(Message(queueId, recipient));
            await host.Observed.WaitForOutcomeAsync(queueId);
        }

        clock.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually(() => host.Observed.Delivered.Count >= 4);
        await Task.Delay(200);
        Assert.Equal(2, Volatile.Read(ref host.Observed.DeliveredPublishes));
        Assert.Equal(4, host.Observed.Delivered.Count);
        Assert.DoesNotContain(host.Observed.Delivered, d => d.QueueId == bobFirst);
        var batch = host.Observed.Delivered.Skip(1).OrderBy(d => d.QueueId, StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { (work, "alice@esp.sn", "Work"), (bob, "bob@esp.sn", "INBOX"), (inbox, "alice@esp.sn", "INBOX") }.OrderBy(e => e.Item1, StringComparer.Ordinal),
            batch.Select(d => (d.QueueId, d.Mailbox, d.Folder)));
    }

    [Fact]
    public void The_interval_defaults_to_20_ms_and_is_bounded_to_one_second()
    {
        var options = new DeliveryOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.AnnounceInterval);
        var results = new List<ValidationResult>();
        options.AnnounceInterval = TimeSpan.FromSeconds(2);
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(DeliveryOptions.AnnounceInterval)));
        options.AnnounceInterval = TimeSpan.Zero;
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(10);
        }
    }
}
