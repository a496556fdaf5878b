using System.Diagnostics;
using System.Text;
using Facteur.Delivery;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;
using Facteur.SmtpGateway.Intake;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Facteur.Durability.Tests;

/// <summary>Gateway intake → real RabbitMQ → delivery worker → Maildir (FACTEUR_TEST_RABBITMQ).</summary>
public sealed class RabbitMqDurabilityTests : IAsyncLifetime
{
    private readonly TempRoot root = new();
    private readonly string prefix = TestBroker.NewPrefix();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        root.Dispose();
        await TestBroker.DeleteEntitiesAsync(prefix);
    }

    private static byte[] Message(string subject, int bodyLines = 3)
    {
        var text = new StringBuilder($"Received: from client by mx.esp.sn\r\nSubject: {subject}\r\n\r\n");
        for (var i = 0; i < bodyLines; i++)
        {
            text.Append("line ").Append(i).Append(" of the body\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private HostSetup Gateway(Uri? broker = null) => new() { Root = root.Path, Intake = true, Broker = broker ?? TestBroker.Url, Prefix = prefix };

    private HostSetup Worker(Uri? broker = null, IMailboxQuota? quota = null) => new()
    {
        Root = root.Path,
        Delivery = true,
        Broker = broker ?? TestBroker.Url,
        Prefix = prefix,
        Resolver = new Users("alice@esp.sn", "bob@esp.sn"),
        Quota = quota,
    };

    [Fact]
    public async Task Small_and_claim_checked_messages_go_through_the_broker_into_the_maildir_and_leave_no_spool_or_claim()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var small = Message("small");
        var large = Message("large", bodyLines: 20_000);
        Assert.True(large.Length > gateway.Setup.InlineThreshold);

        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], small);
        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn", "bob@esp.sn"], large);

        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 2 && worker.Files("bob@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "both messages");
        var bob = await File.ReadAllBytesAsync(worker.Files("bob@esp.sn")[0]);
        Assert.True(bob.AsSpan(bob.Length - large.Length).SequenceEqual(large));
        var contents = worker.Files("alice@esp.sn").Select(File.ReadAllBytes).ToList();
        Assert.Contains(contents, c => c.AsSpan(c.Length - small.Length).SequenceEqual(small));
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(gateway.Spool.Claims).Any(), TimeSpan.FromSeconds(10), "the claim to be deleted");
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
    }

    [Fact]
    public async Task A_message_within_the_inline_threshold_makes_no_spool_file_and_one_that_outgrows_it_spills_into_one()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<IMailIntake>();
        var small = NewQueueId();
        var large = NewQueueId();
        var smallContent = Message("kept in memory");
        var largeContent = Message("spilled", bodyLines: 20_000);
        Assert.True(largeContent.Length > gateway.Setup.InlineThreshold);

        await using (var message = await intake.BeginAsync(small, CancellationToken.None))
        {
            await message.Content.WriteAsync(smallContent);
            await message.Content.FlushAsync();
            Assert.False(File.Exists(gateway.Spool.MessagePath(small)), "a small message was written to a spool file");
            Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Claims));
            await intake.CommitAsync(TestHost.EnvelopeFor(small, "alice@esp.sn"), message, CancellationToken.None);
        }

        await using (var message = await intake.BeginAsync(large, CancellationToken.None))
        {
            // Past the threshold in two writes: the first stays in memory, the second spills both.
            var claimPath = gateway.Services.GetRequiredService<ClaimCheckRepository>().SpillPath(large);
            await message.Content.WriteAsync(largeContent.AsMemory(0, 1000));
            Assert.False(File.Exists(claimPath));
            await message.Content.WriteAsync(largeContent.AsMemory(1000));
            Assert.True(File.Exists(claimPath), "a message past the inline threshold did not spill into its claim file");
            Assert.False(File.Exists(gateway.Spool.MessagePath(large)), "spilled into incoming/, not claims/");
            await intake.CommitAsync(TestHost.EnvelopeFor(large, "alice@esp.sn"), message, CancellationToken.None);
        }

        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 2, TimeSpan.FromSeconds(30), "both messages");
        var contents = worker.Files("alice@esp.sn").Select(File.ReadAllBytes).ToList();
        Assert.Contains(contents, c => c.AsSpan().EndsWith(smallContent));
        Assert.Contains(contents, c => c.AsSpan().EndsWith(largeContent));
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(gateway.Spool.Claims).Any(), TimeSpan.FromSeconds(10), "the claim to be deleted");
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
    }

    [Fact]
    public async Task A_25_MB_message_streams_through_spool_claim_and_maildir_without_being_held_in_memory()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<IMailIntake>();
        const int chunks = 400;
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n", 1000)));
        var queueId = NewQueueId();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using (var message = await intake.BeginAsync(queueId, CancellationToken.None))
        {
            await message.Content.WriteAsync(Encoding.ASCII.GetBytes("Subject: big\r\n\r\n"));
            for (var i = 0; i < chunks; i++)
            {
                await message.Content.WriteAsync(chunk);
            }

            await intake.CommitAsync(new Facteur.SmtpGateway.Envelope
            {
                QueueId = queueId,
                ReversePath = "sender@example.org",
                Recipients = ["alice@esp.sn"],
                ReceivedAt = DateTimeOffset.UtcNow,
            }, message, CancellationToken.None);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var total = 16L + ((long)chunk.Length * chunks);
        Assert.True(total > 25_000_000);

        // Other tests run in parallel, so this is a loose bound: far below the message size.
        Assert.True(allocated < total / 3, $"receiving and committing allocated {allocated} bytes for a {total}-byte message");
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(60), "the 25 MB copy");
        var file = new FileInfo(worker.Files("alice@esp.sn")[0]);
        Assert.EndsWith($",S={file.Length},W={file.Length}", file.Name, StringComparison.Ordinal);
        Assert.Equal(total + "Return-Path: <sender@example.org>\r\nDelivered-To: alice@esp.sn\r\n".Length, file.Length);
    }

    [Fact]
    public async Task A_message_published_before_any_worker_started_waits_durably_in_the_quorum_queue()
    {
        var queueId = NewQueueId();
        await using (var gateway = await TestHost.StartAsync(Gateway()))
        {
            await gateway.SendAsync(queueId, ["alice@esp.sn"], Message("early"));
        }

        await AssertQuorumQueueAsync(prefix + "delivery");

        await using var worker = await TestHost.StartAsync(Worker());
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the early message");
        Assert.Contains(queueId, Path.GetFileName(worker.Files("alice@esp.sn")[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_down_fails_the_commit_within_the_timeout_leaving_nothing_and_the_next_commit_succeeds_once_it_is_back()
    {
        await using var proxy = TestBroker.NewProxy();

        // The gateway starts while the broker is unreachable.
        var started = Stopwatch.StartNew();
        await using var gateway = await TestHost.StartAsync(Gateway(TestBroker.Through(proxy)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"host start took {started.Elapsed}");
        await using var worker = await TestHost.StartAsync(Worker());

        foreach (var content in new[] { Message("down small"), Message("down large", bodyLines: 20_000) })
        {
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAsync<MailIntakeUnavailableException>(() => gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], content));
            Assert.True(clock.Elapsed < gateway.Setup.PublishTimeout + TimeSpan.FromSeconds(3), $"commit failed after {clock.Elapsed}");
            Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
            Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Claims));
        }

        proxy.Start();
        var delivered = NewQueueId();
        await RetryUntilAcceptedAsync(gateway, delivered, Message("back"));

        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the message sent after the broker came back");
        Assert.Contains(delivered, Path.GetFileName(worker.Files("alice@esp.sn")[0]), StringComparison.Ordinal);

        // Down again after having been connected. The first publish may still be handed to the
        // channel MassTransit has not yet seen die: the gateway cannot tell it from a lost confirm,
        // so it either refuses it (451, nothing kept) or accepts and keeps it in the spool — never
        // both, and a kept one is delivered once when the broker is back.
        proxy.Stop();
        var raced = NewQueueId();
        var racedKept = false;
        var first = Stopwatch.StartNew();
        try
        {
            await gateway.SendAsync(raced, ["alice@esp.sn"], Message("raced the drop"));
            racedKept = true;
            Assert.True(File.Exists(gateway.Spool.EnvelopePath(raced)), "accepted without a confirm and not kept");
        }
        catch (MailIntakeUnavailableException)
        {
            Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));
        }

        Assert.True(first.Elapsed < gateway.Setup.PublishTimeout + TimeSpan.FromSeconds(3), $"commit ended after {first.Elapsed}");

        // Once the broken connection is known, the broker is simply down: 451 within the timeout, nothing kept.
        var again = Stopwatch.StartNew();
        await Assert.ThrowsAsync<MailIntakeUnavailableException>(() => gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("down again")));
        Assert.True(again.Elapsed < gateway.Setup.PublishTimeout + TimeSpan.FromSeconds(3), $"commit failed after {again.Elapsed}");
        Assert.Equal(racedKept ? 1 : 0, Directory.GetFiles(gateway.Spool.Incoming, "*.env").Length);
        Assert.All(Directory.GetFiles(gateway.Spool.Incoming), f => Assert.StartsWith(raced + ".", Path.GetFileName(f), StringComparison.Ordinal));
        proxy.Start();
        await RetryUntilAcceptedAsync(gateway, NewQueueId(), Message("back again"));
        var expected = racedKept ? 3 : 2;
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == expected, TimeSpan.FromSeconds(30), "the messages after recovery");
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(gateway.Spool.Incoming).Any(), TimeSpan.FromSeconds(30), "the kept message to leave the spool");
        await WaitForEmptyQueueAsync(prefix + "delivery");
        Assert.Equal(expected, worker.Files("alice@esp.sn").Length);
        Assert.Equal(racedKept ? 1 : 0, worker.Files("alice@esp.sn").Count(f => Path.GetFileName(f).Contains(raced, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_publish_whose_confirm_is_lost_with_the_connection_is_published_again_and_lands_once()
    {
        await using var proxy = TestBroker.NewProxy();
        proxy.Start();
        await using var worker = await TestHost.StartAsync(Worker());

        // The window holds the worker's delivery of the held-back message on a loaded machine, the
        // outage and the reconnect; the gateway publishes again every Bus:ConfirmTimeout (5 s) meanwhile.
        await using var gateway = await TestHost.StartAsync(Gateway(TestBroker.Through(proxy)) with { PublishTimeout = TimeSpan.FromSeconds(60) });
        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("before"));
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the first message");

        // The broker stores the message, then the connection breaks before its confirm gets through.
        proxy.SwallowReplies = true;
        var queueId = NewQueueId();
        var commit = gateway.SendAsync(queueId, ["alice@esp.sn"], Message("confirm lost"));
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 2, TimeSpan.FromSeconds(30), "the message whose confirm is held back");
        Assert.False(commit.IsCompleted, "the commit finished without a confirm");
        proxy.Stop();
        proxy.SwallowReplies = false;
        await Task.Delay(3000); // a broker node restarting
        proxy.Start();

        // Within Bus:PublishTimeout the gateway publishes again on the new connection, same queue id
        // and marked as a redelivery, instead of a 451 (which makes the client resend it under a new
        // queue id); the 250 comes with that confirm, and nothing is left in the spool.
        await commit.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(Directory.EnumerateFiles(gateway.Spool.Incoming));

        // Every copy the broker holds lands on the file delivery already wrote.
        await WaitForEmptyQueueAsync(prefix + "delivery");
        var files = worker.Files("alice@esp.sn");
        Assert.Equal(2, files.Length);
        Assert.Single(files, f => Path.GetFileName(f).Contains(queueId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_publish_never_confirmed_within_the_timeout_is_accepted_kept_in_the_spool_and_published_again_once_the_broker_is_back()
    {
        await using var proxy = TestBroker.NewProxy();
        proxy.Start();
        await using var worker = await TestHost.StartAsync(Worker());
        var setup = Gateway(TestBroker.Through(proxy)) with { PublishTimeout = TimeSpan.FromSeconds(4), ConfirmTimeout = TimeSpan.FromSeconds(1) };
        await using var gateway = await TestHost.StartAsync(setup);
        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("before"));
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the first message");

        // The broker takes both publishes, no confirm comes back for the whole publish timeout.
        proxy.SwallowReplies = true;
        var small = NewQueueId();
        var large = NewQueueId();
        var largeContent = Message("unconfirmed large", bodyLines: 20_000);
        Assert.True(largeContent.Length > setup.InlineThreshold);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            gateway.SendAsync(small, ["alice@esp.sn"], Message("unconfirmed small")),
            gateway.SendAsync(large, ["alice@esp.sn", "bob@esp.sn"], largeContent));

        // Accepted (250), not 451: the broker may hold them, so a resend would be a second copy.
        Assert.True(clock.Elapsed >= setup.PublishTimeout - TimeSpan.FromMilliseconds(200), $"accepted after {clock.Elapsed}, before the publish timeout");
        Assert.True(clock.Elapsed < setup.PublishTimeout + TimeSpan.FromSeconds(10), $"accepted after {clock.Elapsed}");
        var kept = Directory.GetFiles(gateway.Spool.Incoming, "*.env").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(new[] { small, large }.Order(), kept);
        Assert.True(File.Exists(gateway.Spool.MessagePath(small)), "the small message's body is not in the spool");

        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 3 && worker.Files("bob@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the copies the broker got");
        proxy.Stop();
        proxy.SwallowReplies = false;
        await Task.Delay(1000);
        Assert.Equal(2, Directory.GetFiles(gateway.Spool.Incoming, "*.env").Length);
        proxy.Start();

        // Published again, confirmed, the entries leave the spool; the copies land on the same files.
        await Wait.UntilAsync(() => !Directory.EnumerateFiles(gateway.Spool.Incoming).Any(), TimeSpan.FromSeconds(60), "the kept messages to be confirmed");
        await WaitForEmptyQueueAsync(prefix + "delivery");
        var alice = worker.Files("alice@esp.sn");
        Assert.Equal(3, alice.Length);
        Assert.Single(alice, f => Path.GetFileName(f).Contains(small, StringComparison.Ordinal));
        Assert.Single(alice, f => Path.GetFileName(f).Contains(large, StringComparison.Ordinal));
        var bob = Assert.Single(worker.Files("bob@esp.sn"));
        var bobBytes = await File.ReadAllBytesAsync(bob);
        Assert.True(bobBytes.AsSpan(bobBytes.Length - largeContent.Length).SequenceEqual(largeContent));
    }

    [Fact]
    public async Task A_message_kept_unconfirmed_by_a_gateway_that_then_stopped_is_published_by_the_next_one_and_lands_once()
    {
        await using var proxy = TestBroker.NewProxy();
        proxy.Start();
        await using var worker = await TestHost.StartAsync(Worker());
        var queueId = NewQueueId();
        var setup = Gateway(TestBroker.Through(proxy)) with { PublishTimeout = TimeSpan.FromSeconds(2), ConfirmTimeout = TimeSpan.FromSeconds(1) };
        await using (var first = await TestHost.StartAsync(setup))
        {
            await first.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("before"));
            proxy.SwallowReplies = true;
            await first.SendAsync(queueId, ["alice@esp.sn"], Message("kept, then its gateway stopped"));
            Assert.True(File.Exists(first.Spool.EnvelopePath(queueId)), "accepted without a confirm and not kept");
            proxy.Stop();
        }

        // The broker did get it; the entry outlives the gateway that kept it (the spool is a shared volume).
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 2, TimeSpan.FromSeconds(30), "the copy the broker got");
        Assert.True(File.Exists(new Facteur.Hosting.Bus.MailSpool(Path.Combine(root.Path, "spool")).EnvelopePath(queueId)), "the kept entry did not survive its gateway");
        await using var next = await TestHost.StartAsync(Gateway());
        await Wait.UntilAsync(() => !File.Exists(next.Spool.EnvelopePath(queueId)), TimeSpan.FromSeconds(30), "the next gateway to publish the kept entry");
        await WaitForEmptyQueueAsync(prefix + "delivery");
        Assert.Empty(Directory.EnumerateFiles(next.Spool.Incoming));
        var files = worker.Files("alice@esp.sn");
        Assert.Equal(2, files.Length);
        Assert.Single(files, f => Path.GetFileName(f).Contains(queueId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_large_message_kept_unconfirmed_is_published_from_its_claim_by_a_next_gateway_with_a_higher_inline_threshold()
    {
        await using var proxy = TestBroker.NewProxy();
        proxy.Start();
        await using var worker = await TestHost.StartAsync(Worker());
        var queueId = NewQueueId();
        var content = Message("kept large, then the threshold went up", bodyLines: 2_000);
        var setup = Gateway(TestBroker.Through(proxy)) with { PublishTimeout = TimeSpan.FromSeconds(2), ConfirmTimeout = TimeSpan.FromSeconds(1) };
        Assert.True(content.Length > setup.InlineThreshold);
        await using (var first = await TestHost.StartAsync(setup))
        {
            await first.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("before"));
            proxy.SwallowReplies = true;
            await first.SendAsync(queueId, ["alice@esp.sn"], content);
            Assert.True(File.Exists(first.Spool.EnvelopePath(queueId)), "accepted without a confirm and not kept");
            Assert.False(File.Exists(first.Spool.MessagePath(queueId)), "a large kept message's body is its claim, not an .eml");
            proxy.Stop();
        }

        // The next gateway (an upgrade, or a configuration change) would carry this size inline: it
        // must still find the body where the first one put it, in the claim.
        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 2, TimeSpan.FromSeconds(30), "the copy the broker got");
        await using var next = await TestHost.StartAsync(Gateway() with { InlineThreshold = content.Length * 4 });
        await Wait.UntilAsync(() => !File.Exists(next.Spool.EnvelopePath(queueId)), TimeSpan.FromSeconds(30), "the next gateway to publish the kept entry");
        await WaitForEmptyQueueAsync(prefix + "delivery");
        var files = worker.Files("alice@esp.sn");
        Assert.Equal(2, files.Length);
        var file = Assert.Single(files, f => Path.GetFileName(f).Contains(queueId, StringComparison.Ordinal));
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes.AsSpan(bytes.Length - content.Length).SequenceEqual(content));
    }

    [Fact]
    public async Task A_worker_cut_off_between_the_write_and_the_ack_gets_a_redelivery_that_adds_no_copy()
    {
        await using var proxy = TestBroker.NewProxy();
        proxy.Start();
        var stall = new StallOnSecondMailbox("bob@esp.sn");
        await using var gateway = await TestHost.StartAsync(Gateway());
        var queueId = NewQueueId();
        await using (var doomed = await TestHost.StartAsync(Worker(TestBroker.Through(proxy), stall)))
        {
            await gateway.SendAsync(queueId, ["alice@esp.sn", "bob@esp.sn"], Message("redelivered"));

            // alice's copy is durable, bob's not yet, nothing acked: now the worker "dies".
            Assert.True(await stall.Reached.WaitAsync(TimeSpan.FromSeconds(30)), "the worker never reached the second copy");
            Assert.Single(doomed.Files("alice@esp.sn"));
            proxy.Stop();
        }

        await using var survivor = await TestHost.StartAsync(Worker());
        await Wait.UntilAsync(() => survivor.Files("bob@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the redelivered copy for bob");
        await Task.Delay(500);
        Assert.Single(survivor.Files("alice@esp.sn"));
        Assert.Single(survivor.Files("bob@esp.sn"));
    }

    [Fact]
    public async Task One_trace_runs_from_the_smtp_session_through_the_broker_to_the_maildir_write()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is DeliveryTelemetry.Name or "MassTransit" or "Facteur.Tests.Smtp",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var smtp = new ActivitySource("Facteur.Tests.Smtp");
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var queueId = NewQueueId();

        ActivityTraceId traceId;
        using (var session = smtp.StartActivity("smtp.data"))
        {
            traceId = session!.TraceId;
            await gateway.SendAsync(queueId, ["alice@esp.sn"], Message("traced"));
        }

        await Wait.UntilAsync(
            () => spans.Any(s => s.OperationName == "maildir.write" && (string?)s.GetTagItem("facteur.queue_id") == queueId),
            TimeSpan.FromSeconds(30), "the maildir.write span");
        var write = spans.Single(s => s.OperationName == "maildir.write" && (string?)s.GetTagItem("facteur.queue_id") == queueId);
        Assert.Equal(traceId, write.TraceId);
        await Wait.UntilAsync(() => spans.Any(s => s.SpanId == write.ParentSpanId), TimeSpan.FromSeconds(10), "the consume span to end");
        var consume = spans.Single(s => s.SpanId == write.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, consume.Kind);
        Assert.Contains(spans, s => s.TraceId == traceId && s.Kind == ActivityKind.Producer);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_retried_then_kept_in_the_error_queue()
    {
        var quota = new AlwaysFailing();
        await using var worker = await TestHost.StartAsync(Worker(quota: quota));
        await using var gateway = await TestHost.StartAsync(Gateway());
        var queueId = NewQueueId();

        await gateway.SendAsync(queueId, ["alice@esp.sn"], Message("doomed"));

        // One attempt plus the two configured retries, then the error queue.
        await Wait.UntilAsync(() => quota.Calls == 3, TimeSpan.FromSeconds(30), "three attempts");
        var factory = new ConnectionFactory { Uri = TestBroker.Url };
        await using var connection = await factory.CreateConnectionAsync();
        await Wait.UntilAsync(async () => await MessageCountAsync(connection, prefix + "delivery_error") > 0, TimeSpan.FromSeconds(30), "the message in delivery_error");

        Assert.Equal(1u, await MessageCountAsync(connection, prefix + "delivery_error"));
        Assert.Equal(3, quota.Calls);
        Assert.Empty(worker.Files("alice@esp.sn"));
    }

    [Fact]
    public async Task A_large_message_in_the_error_queue_keeps_its_claim_past_the_retention_and_is_delivered_when_moved_back()
    {
        var quota = new FailingUntilHealed();
        await using var worker = await TestHost.StartAsync(Worker(quota: quota));
        await using var gateway = await TestHost.StartAsync(Gateway());
        var large = Message("kept for the operator", bodyLines: 20_000);
        Assert.True(large.Length > gateway.Setup.InlineThreshold);

        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], large);

        var factory = new ConnectionFactory { Uri = TestBroker.Url };
        await using var connection = await factory.CreateConnectionAsync();
        await Wait.UntilAsync(async () => await MessageCountAsync(connection, prefix + "delivery_error") == 1, TimeSpan.FromSeconds(30), "the message in delivery_error");
        var held = Assert.Single(Directory.GetFiles(worker.Spool.HeldClaims));
        Assert.Empty(Directory.GetFiles(worker.Spool.Claims));

        // Weeks later: the sweeper leaves a held claim alone, however old.
        File.SetLastWriteTimeUtc(held, DateTime.UtcNow.AddDays(-30));
        Assert.Equal(0, worker.Sweeper.Sweep());
        Assert.True(File.Exists(held));

        // The operator fixes the cause and moves the message back, as a shovel does: same body and properties.
        quota.Heal();
        await using (var channel = await connection.CreateChannelAsync())
        {
            var faulted = await channel.BasicGetAsync(prefix + "delivery_error", autoAck: false);
            Assert.NotNull(faulted);
            var properties = new BasicProperties(faulted.BasicProperties);
            await channel.BasicPublishAsync(string.Empty, prefix + "delivery", mandatory: true, properties, faulted.Body);
            await channel.BasicAckAsync(faulted.DeliveryTag, multiple: false);
        }

        await Wait.UntilAsync(() => worker.Files("alice@esp.sn").Length == 1, TimeSpan.FromSeconds(30), "the message delivered");
        var delivered = await File.ReadAllBytesAsync(worker.Files("alice@esp.sn")[0]);
        Assert.True(delivered.AsSpan(delivered.Length - large.Length).SequenceEqual(large));
        await Wait.UntilAsync(() => !File.Exists(held), TimeSpan.FromSeconds(10), "the held claim deleted after delivery");
        Assert.Empty(Directory.GetFiles(worker.Spool.Claims));
    }

    [Fact]
    public async Task A_message_whose_claim_is_incomplete_faults_without_holding_it_so_the_sweeper_still_removes_it()
    {
        await using var worker = await TestHost.StartAsync(Worker());
        await using var gateway = await TestHost.StartAsync(Gateway());
        var intake = gateway.Services.GetRequiredService<MailIntake>();
        string? cut = null;
        intake.BeforeClaimSync = path =>
        {
            // What a gateway crash before the fsync can leave: the broker has the message, the claim is cut short.
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(file.Length / 2);
            }

            cut = path;
            return Task.CompletedTask;
        };

        await gateway.SendAsync(NewQueueId(), ["alice@esp.sn"], Message("cut short", bodyLines: 20_000));

        var factory = new ConnectionFactory { Uri = TestBroker.Url };
        await using var connection = await factory.CreateConnectionAsync();
        await Wait.UntilAsync(async () => await MessageCountAsync(connection, prefix + "delivery_error") == 1, TimeSpan.FromSeconds(30), "the message in delivery_error");
        Assert.NotNull(cut);
        Assert.True(File.Exists(cut));
        Assert.False(Directory.Exists(worker.Spool.HeldClaims) && Directory.EnumerateFiles(worker.Spool.HeldClaims).Any());
        Assert.Empty(worker.Files("alice@esp.sn"));

        File.SetLastWriteTimeUtc(cut, DateTime.UtcNow.AddDays(-30));
        Assert.Equal(1, worker.Sweeper.Sweep());
        Assert.False(File.Exists(cut));
    }

    /// <summary>The message count of a queue, or 0 while it does not exist (a passive declare closes its channel, hence one each).</summary>
    private static async Task<uint> MessageCountAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

    private sealed class FailingUntilHealed : IMailboxQuota
    {
        private volatile bool healed;

        public void Heal() => healed = true;

        public ValueTask<bool> HasRoomAsync(string mailbox, long size, CancellationToken cancellationToken) =>
            healed ? ValueTask.FromResult(true) : throw new IOException("the mail volume is unavailable");
    }

    private sealed class AlwaysFailing : IMailboxQuota
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public ValueTask<bool> HasRoomAsync(string mailbox, long size, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            throw new IOException("the mail volume is unavailable");
        }
    }

    private static async Task RetryUntilAcceptedAsync(TestHost gateway, string queueId, byte[] content)
    {
        // What an SMTP client does after 451: try again later (bounded).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await gateway.SendAsync(queueId, ["alice@esp.sn"], content);
                return;
            }
            catch (MailIntakeUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until <paramref name="queue"/> has no ready message twice in a row, then a
    /// moment for a copy a worker already holds to be written or found present.
    /// </summary>
    private static async Task WaitForEmptyQueueAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = TestBroker.Url };
        await using var connection = await factory.CreateConnectionAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var emptyInARow = 0;
        while (emptyInARow < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{queue} still had messages after 60 s");
            await using var channel = await connection.CreateChannelAsync();
            emptyInARow = (await channel.QueueDeclarePassiveAsync(queue)).MessageCount == 0 ? emptyInARow + 1 : 0;
            await Task.Delay(500);
        }

        await Task.Delay(2000);
    }

    /// <summary>Declaring the queue as a classic queue must be refused: it exists as a durable quorum queue.</summary>
    private static async Task AssertQuorumQueueAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = TestBroker.Url };
        await using var connection = await factory.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            Assert.Equal(1u, ok.MessageCount);
        }

        await using var classic = await connection.CreateChannelAsync();
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => classic.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" }));
        Assert.Contains("x-queue-type", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Lets the first copy through, then holds the second until the worker is torn down.</summary>
    private sealed class StallOnSecondMailbox(string mailbox) : IMailboxQuota
    {
        private readonly SemaphoreSlim reached = new(0);

        public SemaphoreSlim Reached => reached;

        public async ValueTask<bool> HasRoomAsync(string address, long size, CancellationToken cancellationToken)
        {
            if (address == mailbox)
            {
                reached.Release();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return true;
        }
    }
}
