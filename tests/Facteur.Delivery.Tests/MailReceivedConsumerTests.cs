using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Facteur.Accounts;
using Facteur.Contracts;
using Facteur.Hosting.Bus;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Facteur.Delivery.Tests;

public class MailReceivedConsumerTests
{
    private const string Body = "Received: from c by mx.esp.sn; Sun, 29 Nov 2026 03:00:00 +0000\r\nSubject: test\r\n\r\nHello\r\n";

    private static MailReceived Message(string queueId, string[] recipients, string? auth = null, byte[]? content = null) => new()
    {
        QueueId = queueId,
        ReversePath = "sender@example.org",
        Recipients = recipients,
        ReceivedAt = DateTimeOffset.UtcNow.AddMilliseconds(-5),
        Size = (content ?? Encoding.ASCII.GetBytes(Body)).Length,
        Content = content ?? Encoding.ASCII.GetBytes(Body),
        AuthenticatedUser = auth,
    };

    private static string NewQueueId() => "Q" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    [Fact]
    public async Task Local_recipient_gets_one_durable_copy_with_trace_headers_and_mail_delivered_is_published()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        var file = Assert.Single(host.Files("alice@esp.sn"));
        Assert.Equal("Return-Path: <sender@example.org>\r\nDelivered-To: alice@esp.sn\r\n" + Body, await File.ReadAllTextAsync(file));
        Assert.Contains($"Q{queueId}R", Path.GetFileName(file), StringComparison.Ordinal);
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == queueId));
        var delivered = host.Observed.Delivered.Single(d => d.QueueId == queueId);
        Assert.Equal("alice@esp.sn", delivered.Mailbox);
        Assert.Equal("INBOX", delivered.Folder);
        Assert.Equal(Path.GetFileName(file), delivered.FileName);
        Assert.Empty(host.Observed.Faults);
    }

    [Fact]
    public async Task A_delivered_copy_wakes_an_idle_waiter_of_the_same_process_without_the_bus_event()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        // The IMAP side of a standalone: the same MessageStore singleton, INBOX open and waited on. No
        // MailDelivered consumer runs in this host and the poll interval is beyond the test's bound, so
        // only the delivery's own notice to the store can wake the waiter.
        var store = host.Services.GetRequiredService<MessageStore>();
        var inbox = await store.OpenUser("alice@esp.sn").OpenFolderAsync("INBOX");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var wait = inbox.WaitForChangeAsync(inbox.State.HighestModSeq, TimeSpan.FromMinutes(10), stop.Token);
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn"]));
        var state = await wait;

        var message = Assert.Single(state.Messages);
        Assert.Equal(Path.GetFileName(Assert.Single(host.Files("alice@esp.sn"))), message.FileName);
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == queueId)); // the event still goes out for other replicas
    }

    [Fact]
    public async Task Aliases_and_repeated_recipients_make_one_copy_per_distinct_final_mailbox()
    {
        var resolver = new TableResolver("esp.sn")
            .User("alice@esp.sn")
            .User("bob@esp.sn")
            .Alias("team@esp.sn", ["alice@esp.sn", "bob@esp.sn"])
            .Alias("alice+news@esp.sn", ["alice@esp.sn"]);
        await using var host = await DeliveryHost.StartAsync(resolver);
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["team@esp.sn", "alice@esp.sn", "alice+news@esp.sn", "bob@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Single(host.Files("alice@esp.sn"));
        Assert.Single(host.Files("bob@esp.sn"));
        await Eventually(() => host.Observed.Delivered.Count(d => d.QueueId == queueId) == 2);
    }

    [Fact]
    public async Task Sub_address_folder_from_the_resolver_gets_its_copy_in_that_maildir_folder()
    {
        var resolver = new TableResolver("esp.sn")
            .Map("alice+work@esp.sn", new RecipientResolution(RecipientKind.Local, ["alice@esp.sn"], [], "Work"));
        await using var host = await DeliveryHost.StartAsync(resolver);
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice+work@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Single(Directory.GetFiles(Path.Combine(host.MailRoot, "esp.sn", "alice", ".Work", "new")));
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == queueId && d.Folder == "Work"));
    }

    [Fact]
    public async Task Unknown_local_user_is_skipped_with_a_metric_and_the_other_recipients_are_delivered()
    {
        using var skipped = new CounterProbe("facteur.delivery.skipped");
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["gone@esp.sn", "alice@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Single(host.Files("alice@esp.sn"));
        Assert.Empty(host.Files("gone@esp.sn"));
        Assert.Empty(host.Observed.Faults);
        Assert.True(skipped.Total("reason", "unknown_user") >= 1);
    }

    [Fact]
    public async Task Remote_recipients_of_an_authenticated_sender_are_relayed_once_per_domain_with_deterministic_ids()
    {
        var resolver = new TableResolver("esp.sn").User("alice@esp.sn").Alias("fwd@esp.sn", ["alice@esp.sn"], ["carol@gmail.example"]);
        await using var host = await DeliveryHost.StartAsync(resolver);
        var queueId = NewQueueId();
        var message = Message(queueId, ["x@gmail.example", "y@GMAIL.example", "z@other.example", "fwd@esp.sn"], auth: "alice@esp.sn");

        await host.PublishAsync(message);
        await host.Observed.WaitForOutcomeAsync(queueId);
        await Eventually(() => host.Observed.Relayed.Count(r => r.Message.QueueId == queueId) == 2);

        var relayed = host.Observed.Relayed.Where(r => r.Message.QueueId == queueId).ToDictionary(r => r.Message.Domain);
        Assert.Equal(["carol@gmail.example", "x@gmail.example", "y@GMAIL.example"], relayed["gmail.example"].Message.Recipients.Order(StringComparer.Ordinal));
        Assert.Equal(["z@other.example"], relayed["other.example"].Message.Recipients);
        Assert.Equal(message.Content, relayed["other.example"].Message.Content);
        Assert.Single(host.Files("alice@esp.sn"));

        // The in-memory bus is not durable: the standalone host also spools each relay command.
        var relaySpool = host.Services.GetRequiredService<RelaySpool>();
        Assert.Equal(["gmail.example", "other.example"], relaySpool.Entries().Select(e => e.Domain).Order(StringComparer.Ordinal));
        foreach (var entry in relaySpool.Entries())
        {
            Assert.Equal(message.Content, await File.ReadAllBytesAsync(relaySpool.MessagePath(entry.MessageId)));
        }

        // Redelivered: the same ids again, so the relay can drop the duplicates.
        var firstIds = relayed.Values.Select(r => r.MessageId).ToHashSet();
        await host.PublishAsync(message, redelivery: true);
        await Eventually(() => host.Observed.Relayed.Count(r => r.Message.QueueId == queueId) == 4);
        Assert.True(host.Observed.Relayed.Where(r => r.Message.QueueId == queueId).All(r => firstIds.Contains(r.MessageId)));
        Assert.Equal(2, relaySpool.Entries().Count());
        Assert.Single(host.Files("alice@esp.sn"));
    }

    [Fact]
    public async Task Remote_recipient_without_an_authenticated_sender_is_not_relayed()
    {
        using var skipped = new CounterProbe("facteur.delivery.skipped");
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["victim@elsewhere.example", "alice@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);
        await Eventually(() => host.Observed.Delivered.Any(d => d.QueueId == queueId));

        Assert.DoesNotContain(host.Observed.Relayed, r => r.Message.QueueId == queueId);
        Assert.True(skipped.Total("reason", "relay_denied") >= 1);
    }

    [Fact]
    public async Task A_redelivered_message_adds_no_copy_even_after_an_imap_client_moved_the_first_to_cur()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var queueId = NewQueueId();
        var message = Message(queueId, ["alice@esp.sn"]);

        await host.PublishAsync(message);
        await host.Observed.WaitForOutcomeAsync(queueId);
        var first = Assert.Single(host.Files("alice@esp.sn"));
        var cur = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(first))!, "cur", Path.GetFileName(first) + ":2,S");
        File.Move(first, cur);

        await host.PublishAsync(message, redelivery: true);
        await Eventually(() => host.Observed.Consumed.Count(q => q == queueId) == 2);

        Assert.Empty(host.Files("alice@esp.sn"));
        Assert.Single(host.Files("alice@esp.sn", "cur"));
    }

    [Fact]
    public async Task A_fault_after_the_first_copy_is_retried_and_every_mailbox_ends_with_exactly_one_file()
    {
        var quota = new FlakyQuota("bob@esp.sn", failures: 1);
        var resolver = new TableResolver("esp.sn").User("alice@esp.sn").User("bob@esp.sn");
        await using var host = await DeliveryHost.StartAsync(resolver, quota);
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn", "bob@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Equal(2, quota.Calls("bob@esp.sn"));
        Assert.Single(host.Files("alice@esp.sn"));
        Assert.Single(host.Files("bob@esp.sn"));
        Assert.Empty(host.Observed.Faults);
    }

    [Fact]
    public async Task A_mailbox_over_its_store_quota_gets_no_copy_and_the_message_faults_as_mailbox_full()
    {
        var resolver = new TableResolver("esp.sn").User("alice@esp.sn").User("bob@esp.sn");
        await using var host = await DeliveryHost.StartAsync(resolver, quotaBytes: 2000);
        // Alice already uses 1,990 of her 2,000 bytes (counted over all her folders by the mail store).
        var junk = Path.Combine(host.MailRoot, "esp.sn", "alice", ".Junk");
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(host.MailRoot, "esp.sn", "alice", sub));
            Directory.CreateDirectory(Path.Combine(junk, sub));
        }

        await File.WriteAllTextAsync(Path.Combine(junk, "cur", "1700000000.M1P1Q1.old,S=1990,W=1990:2,S"), new string('x', 1990));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Empty(host.Files("alice@esp.sn"));
        Assert.Contains(host.Observed.Faults, f => f.QueueId == queueId && f.Error is MailboxFullException);
    }

    [Fact]
    public async Task A_permanent_fault_ends_in_the_error_queue_after_the_retries_and_nothing_is_written()
    {
        var resolver = new TableResolver("esp.sn").Map("evil@esp.sn", new RecipientResolution(RecipientKind.Local, ["../../etc@esp.sn"], []));
        await using var host = await DeliveryHost.StartAsync(resolver);
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["evil@esp.sn"]));
        await host.Observed.WaitForOutcomeAsync(queueId);

        var fault = Assert.Single(host.Observed.Faults);
        Assert.IsType<ArgumentException>(fault.Error, exactMatch: false);
        Assert.False(Directory.Exists(host.MailRoot) && Directory.EnumerateFiles(host.MailRoot, "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_large_message_by_claim_check_is_delivered_to_every_mailbox_and_its_claim_is_deleted()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn").User("bob@esp.sn"), inlineThreshold: 1024);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var payload = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef\r\n", 20_000)));
        var content = await claims.PutStream(new MemoryStream(payload));
        Assert.True(claims.Exists(content.Address));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn", "bob@esp.sn"]) with { Content = null, LargeContent = content, Size = payload.Length });
        await host.Observed.WaitForOutcomeAsync(queueId);

        foreach (var mailbox in new[] { "alice@esp.sn", "bob@esp.sn" })
        {
            var bytes = await File.ReadAllBytesAsync(Assert.Single(host.Files(mailbox)));
            Assert.True(bytes.AsSpan(bytes.Length - payload.Length).SequenceEqual(payload));
        }

        Assert.False(claims.Exists(content.Address));
        Assert.Empty(Directory.EnumerateFiles(host.Services.GetRequiredService<MailSpool>().Claims));
    }

    [Fact]
    public async Task A_large_relayed_message_gets_its_own_claim_that_outlives_the_original()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"), inlineThreshold: 1024);
        var claims = host.Services.GetRequiredService<ClaimCheckRepository>();
        var payload = Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat("relay me\r\n", 10_000)));
        var content = await claims.PutStream(new MemoryStream(payload));
        var queueId = NewQueueId();

        await host.PublishAsync(Message(queueId, ["alice@esp.sn", "far@remote.example"], auth: "alice@esp.sn") with { Content = null, LargeContent = content, Size = payload.Length });
        await host.Observed.WaitForOutcomeAsync(queueId);
        await Eventually(() => host.Observed.Relayed.Any(r => r.Message.QueueId == queueId));

        var relay = host.Observed.Relayed.Single(r => r.Message.QueueId == queueId).Message;
        Assert.False(claims.Exists(content.Address));
        Assert.NotNull(relay.LargeContent);
        Assert.Null(relay.Content);
        await using (var relayed = await claims.Get(relay.LargeContent.Address))
        using (var copy = new MemoryStream())
        {
            await relayed.CopyToAsync(copy);
            Assert.Equal(payload, copy.ToArray());
        }

        var spooled = Assert.Single(host.Services.GetRequiredService<RelaySpool>().Entries());
        Assert.Equal(payload, await File.ReadAllBytesAsync(host.Services.GetRequiredService<RelaySpool>().MessagePath(spooled.MessageId)));
    }

    [Fact]
    public async Task A_standalone_spool_entry_is_removed_once_every_copy_is_durable()
    {
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var spool = host.Services.GetRequiredService<MailSpool>();
        spool.EnsureCreated();
        var queueId = NewQueueId();
        await File.WriteAllTextAsync(spool.MessagePath(queueId), Body);
        await File.WriteAllTextAsync(spool.EnvelopePath(queueId), "{}");

        await host.PublishAsync(Message(queueId, ["alice@esp.sn"]), spoolEntry: true);
        await host.Observed.WaitForOutcomeAsync(queueId);

        Assert.Single(host.Files("alice@esp.sn"));
        Assert.False(File.Exists(spool.MessagePath(queueId)));
        Assert.False(File.Exists(spool.EnvelopePath(queueId)));
    }

    [Fact]
    public async Task The_maildir_write_span_is_a_child_of_the_consume_span_in_the_publishers_trace()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is DeliveryTelemetry.Name or "MassTransit" or "Facteur.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var testSource = new ActivitySource("Facteur.Tests");
        using var latency = new CounterProbe("facteur.delivery.latency");
        await using var host = await DeliveryHost.StartAsync(new TableResolver("esp.sn").User("alice@esp.sn"));
        var queueId = NewQueueId();

        ActivityTraceId traceId;
        using (var session = testSource.StartActivity("smtp.session"))
        {
            traceId = session!.TraceId;
            await host.PublishAsync(Message(queueId, ["alice@esp.sn"]));
        }

        await host.Observed.WaitForOutcomeAsync(queueId);
        await Eventually(() => spans.Any(s => s.OperationName == "maildir.write" && (string?)s.GetTagItem("facteur.queue_id") == queueId));

        var write = spans.Single(s => s.OperationName == "maildir.write" && (string?)s.GetTagItem("facteur.queue_id") == queueId);
        Assert.Equal(traceId, write.TraceId);
        await Eventually(() => spans.Any(s => s.SpanId == write.ParentSpanId));
        var parent = spans.Single(s => s.SpanId == write.ParentSpanId);
        Assert.Equal("MassTransit", parent.Source.Name);
        Assert.Equal(ActivityKind.Consumer, parent.Kind);
        Assert.True(latency.Count >= 1);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in 20 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Throws for one mailbox the first N times, after the other copies were written: a crash between write and ack.</summary>
    private sealed class FlakyQuota(string mailbox, int failures) : IMailboxQuota
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> calls = new();

        public int Calls(string address) => calls.GetValueOrDefault(address);

        public ValueTask<bool> HasRoomAsync(string address, long size, CancellationToken cancellationToken)
        {
            var n = calls.AddOrUpdate(address, 1, (_, c) => c + 1);
            if (address == mailbox && n <= failures)
            {
                throw new IOException("simulated crash after the first copy");
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <summary>Listens to one instrument of the Facteur.Delivery meter.</summary>
    private sealed class CounterProbe : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<(double Value, KeyValuePair<string, object?>[] Tags)> measurements = new();

        public CounterProbe(string instrument)
        {
            listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == DeliveryTelemetry.Name && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, v, tags, _) => measurements.Enqueue((v, tags.ToArray())));
            listener.SetMeasurementEventCallback<double>((_, v, tags, _) => measurements.Enqueue((v, tags.ToArray())));
            listener.Start();
        }

        public int Count => measurements.Count;

        public double Total(string tag, string value) =>
            measurements.Where(m => m.Tags.Any(t => t.Key == tag && (string?)t.Value == value)).Sum(m => m.Value);

        public void Dispose() => listener.Dispose();
    }
}
