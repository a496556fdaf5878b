namespace Facteur.Hosting.Tests;

/// <summary>The standalone's in-flow gate: sessions wait for delivery to start, boundedly, and are never refused.</summary>
public sealed class DeliveryBacklogTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Below_the_limit_a_session_goes_on_without_waiting()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");

        var waited = backlog.WaitForRoomAsync(2, Long, CancellationToken.None);

        Assert.True(waited.IsCompleted);
        Assert.Equal(DeliveryBacklogWait.None, await waited);
        Assert.Equal(0, backlog.WaitingSessions);
    }

    [Fact]
    public async Task At_the_limit_a_session_waits_until_delivery_starts_a_message()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");
        backlog.Published("b");

        var waiting = backlog.WaitForRoomAsync(2, Long, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, backlog.WaitingSessions);

        backlog.Started("a");

        Assert.Equal(DeliveryBacklogWait.Admitted, await waiting.WaitAsync(Long));
        Assert.Equal(1, backlog.Count);
        Assert.Equal(0, backlog.WaitingSessions);
    }

    [Fact]
    public async Task Each_start_lets_one_session_go_in_arrival_order()
    {
        var backlog = new DeliveryBacklog();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            backlog.Published(id);
        }

        var first = backlog.WaitForRoomAsync(1, Long, CancellationToken.None).AsTask();
        var second = backlog.WaitForRoomAsync(1, Long, CancellationToken.None).AsTask();

        backlog.Started("a");
        await first.WaitAsync(Long);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, backlog.WaitingSessions);

        backlog.Started("b");
        await second.WaitAsync(Long);
        Assert.Equal(0, backlog.WaitingSessions);
    }

    [Fact]
    public async Task A_session_that_arrives_while_others_wait_queues_behind_them_even_with_room()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");
        backlog.Published("b");
        backlog.Published("c");
        var first = backlog.WaitForRoomAsync(2, Long, CancellationToken.None).AsTask();
        var second = backlog.WaitForRoomAsync(2, Long, CancellationToken.None).AsTask();

        // Two starts leave one message: room for both waiting sessions, in order.
        backlog.Started("a");
        backlog.Started("b");

        await first.WaitAsync(Long);
        await second.WaitAsync(Long);
        Assert.Equal(1, backlog.Count);
    }

    [Fact]
    public async Task When_delivery_never_starts_the_session_goes_on_after_the_delay()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");

        var ended = await backlog.WaitForRoomAsync(1, TimeSpan.FromMilliseconds(20), CancellationToken.None);

        Assert.Equal(DeliveryBacklogWait.DelayElapsed, ended);
        Assert.Equal(0, backlog.WaitingSessions);

        // The session that gave up is not handed a later start in place of one still waiting.
        var next = backlog.WaitForRoomAsync(1, Long, CancellationToken.None).AsTask();
        backlog.Started("a");
        Assert.Equal(DeliveryBacklogWait.Admitted, await next.WaitAsync(Long));
    }

    [Fact]
    public async Task A_zero_delay_turns_the_wait_off()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");
        backlog.Published("b");

        Assert.Equal(DeliveryBacklogWait.None, await backlog.WaitForRoomAsync(1, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(0, backlog.WaitingSessions);
    }

    [Fact]
    public async Task A_message_counts_once_however_often_it_is_published_or_started()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");
        backlog.Published("a");
        Assert.Equal(1, backlog.Count);

        backlog.Started("a");
        backlog.Started("a");
        Assert.Equal(0, backlog.Count);
        Assert.Equal(DeliveryBacklogWait.None, await backlog.WaitForRoomAsync(1, Long, CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_leaves_the_queue()
    {
        var backlog = new DeliveryBacklog();
        backlog.Published("a");
        using var cancel = new CancellationTokenSource();

        var waiting = backlog.WaitForRoomAsync(1, Long, cancel.Token).AsTask();
        Assert.Equal(1, backlog.WaitingSessions);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Long));
        Assert.Equal(0, backlog.WaitingSessions);
    }
}
