using System.Diagnostics;
using Facteur.E2E.Tests.Infrastructure;
using Facteur.IntegrationTests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Xunit.Abstractions;

namespace Facteur.E2E.Tests;

/// <summary>
/// Issue 6: the compose topology as separate processes on this machine — a private
/// rabbitmq-server, 1 smtp-gateway, 3 delivery workers, 2 mailbox-api, 2 webmail behind 1 edge —
/// configured from docker-compose.yml's environment and config/. 5,000 messages from 20 clients;
/// one delivery worker and one mailbox-api are SIGKILLed and restarted mid-run, the broker is
/// restarted once; every message must then be in each of its mailboxes exactly once, readable
/// over IMAP and POP3 from either mailbox-api (by Message-ID, once each) and listed in the
/// webmail through the edge.
/// </summary>
public sealed class ComposeTopologyTests(ITestOutputHelper output)
{
    private static readonly int MessageCount = int.TryParse(Environment.GetEnvironmentVariable("FACTEUR_E2E_MESSAGES"), out var n) ? n : 5000;

    [Fact]
    public async Task Every_message_arrives_exactly_once_and_is_readable_over_imap_pop3_and_the_webmail_despite_kills_and_a_broker_restart()
    {
        Assert.True(PrivateRabbitMq.IsInstalled, "rabbitmq-server is not installed (./test.sh installs it)");
        var clock = Stopwatch.StartNew();
        var compose = await ComposeEnvironment.LoadAsync();
        var domain = compose.Setting("smtp-gateway", "Facteur__Domains__0")!;
        var plan = new MailPlan(domain);

        await using var broker = new PrivateRabbitMq();
        await broker.StartAsync();
        using var site = new E2ESite(domain);
        foreach (var user in MailPlan.Users)
        {
            site.WithUser(user);
        }

        site.WithAlias(MailPlan.TeamAlias, MailPlan.TeamMembers);
        using var arrivals = new MaildirArrivals(site.MailRoot);

        // As compose wires them: webmail → mailbox-api:143 and smtp-gateway:587, edge → webmail:8080.
        // Each webmail replica gets its own mailbox-api, so the webmail reads through both.
        await using var topology = new Topology(compose, site, broker.Url);
        var gateway = topology.Add("smtp-gateway", RepositoryLayout.GatewayDll);
        int[] workers = [.. Enumerable.Range(0, 3).Select(_ => topology.Add("delivery", RepositoryLayout.DeliveryDll))];
        int[] mailboxes = [.. Enumerable.Range(0, 2).Select(_ => topology.Add("mailbox-api", Topology.MailboxApiDll))];
        int[] webmails = [.. mailboxes.Select(m => topology.Add("webmail", Topology.WebmailDll, new Dictionary<string, int[]> { ["mailbox-api"] = [m] }))];
        var edge = topology.Add("edge", Topology.EdgeDll);

        topology.StartAll();
        await topology.WaitReadyAsync(gateway, "Smtp__Port", "Smtp__SubmissionPort");
        foreach (var i in workers)
        {
            await topology.WaitReadyAsync(i);
        }

        foreach (var i in mailboxes)
        {
            await topology.WaitReadyAsync(i, "Imap__Port", "Pop3__Port");
        }

        foreach (var i in webmails)
        {
            await topology.WaitReadyAsync(i, "ASPNETCORE_HTTP_PORTS");
        }

        await topology.WaitReadyAsync(edge, "Http__Port");
        output.WriteLine($"topology up in {clock.Elapsed.TotalSeconds:F0} s: {string.Join(", ", topology.Processes.Select(p => p.Name))}");

        var run = "e2e" + Guid.NewGuid().ToString("N")[..6];
        var sender = new PlannedSender(plan, run, topology.Port(gateway, "Smtp__Port"), topology.Port(gateway, "Smtp__SubmissionPort"))
        {
            PauseAt = MessageCount * 6 / 10,
        };
        using var stop = new CancellationTokenSource();
        var chaos = ChaosAsync(sender, topology, workers[0], mailboxes[0], broker, clock, stop.Token)
            .ContinueWith(t => { sender.Resume.TrySetResult(); return t; }, TaskScheduler.Default).Unwrap(); // never leave the clients paused
        var poller = PollPop3Async(topology, mailboxes, plan, stop.Token);

        await sender.SendAsync(MessageCount, clients: 20, TimeSpan.FromMinutes(4));
        var events = await chaos;
        await stop.CancelAsync();
        var polls = await poller;
        output.WriteLine($"sending done in {clock.Elapsed.TotalSeconds:F0} s: {string.Join("; ", events)}");
        Assert.Empty(sender.Refused);
        Assert.Equal(MessageCount, sender.Accepted.Count);
        Assert.Equal(3, events.Count);

        // Expected: each message in each of its mailboxes (aliases expanded) exactly once.
        var expected = Enumerable.Range(0, MessageCount).SelectMany(i => plan.Mailboxes(i).Select(m => (Mailbox: m, Token: PlannedSender.Subject(run, i)))).ToHashSet();
        var found = await WaitForDeliveriesAsync(site, expected, TimeSpan.FromMinutes(3));
        var delivered = expected.Count(found.ContainsKey);
        var lost = expected.Where(e => !found.ContainsKey(e)).ToList();

        // Strict: a second file for one (mailbox, message) is a duplicate, whatever its cause. The
        // client resends only after an answer it cannot trust (PlannedSender.AmbiguousAttempts):
        // compose gives the gateway a Bus:PublishTimeout longer than the broker restart, so a
        // publish whose confirm is lost is sent again on the new connection under the same queue
        // id (one file name) instead of ending in a 451 and a resend under a new one.
        var duplicates = found.Where(f => f.Value.Count > 1 || !expected.Contains(f.Key)).ToList();
        var copies = found.Where(f => expected.Contains(f.Key)).Select(f => (Number: Number(f.Key.Token, run), File: f.Value[0])).ToList();
        var timed = copies.Select(c => (c.Number, Arrival: arrivals.ArrivalOf(c.File), Received: MaildirArrivals.ReceivedAtOf(c.File)))
            .Where(c => c.Arrival is not null && c.Received is not null).ToList();
        var serverLatency = timed.Select(c => (c.Arrival!.Value - c.Received!.Value).TotalMilliseconds).Order().ToList();
        var clientLatency = timed.Select(c => (c.Arrival!.Value - sender.Accepted[c.Number]).TotalMilliseconds).Order().ToList();
        var summary = $"e2e summary: sent {sender.Sent}, accepted {sender.Accepted.Count}, delivered {delivered}/{expected.Count} mailbox copies, " +
            $"duplicates {duplicates.Count}, lost {lost.Count}, " +
            $"accept→Maildir p50 {Percentile(serverLatency, 0.50):F0} ms p99 {Percentile(serverLatency, 0.99):F0} ms (gateway end of DATA → rename into new/, {timed.Count} copies timed by inotify), " +
            $"client's 250 → new/ p50 {Percentile(clientLatency, 0.50):F0} ms p99 {Percentile(clientLatency, 0.99):F0} ms, " +
            $"client retries {sender.TemporaryFailures}{(sender.TemporaryFailures == 0 ? "" : $" ({string.Join(", ", sender.Retries.Values.SelectMany(r => r).GroupBy(r => string.Join(' ', r.Split(' ').Take(6))).Select(g => $"{g.Key} ×{g.Count()}"))})")}, " +
            $"ambiguous answers resent {sender.AmbiguousAttempts.Count}, POP3 polls during the run {polls}, {clock.Elapsed.TotalSeconds:F0} s";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        if (arrivals.Overflows > 0)
        {
            output.WriteLine($"inotify lost events {arrivals.Overflows} times: those copies are not in the latency figures");
        }

        Assert.True(lost.Count == 0, $"lost: {string.Join(", ", lost.Take(20))}\n{Logs(topology)}");
        Assert.True(duplicates.Count == 0, "duplicates:\n" + string.Join("\n", duplicates.Take(10).Select(d => Explain(d.Key.Token, d.Value, sender, run))));
        Assert.True(timed.Count >= copies.Count * 9 / 10, $"only {timed.Count} of {copies.Count} copies were timed");

        // Readable from either mailbox-api: every user on both replicas, over IMAP and POP3, each
        // message once by its Message-ID (a set would hide a second copy: compare sorted lists).
        var reading = Stopwatch.StartNew();
        foreach (var user in MailPlan.Users)
        {
            var address = plan.Address(user);
            var messageIds = expected.Where(e => e.Mailbox == address).Select(e => PlannedSender.MessageId(run, Number(e.Token, run))).Order(StringComparer.Ordinal).ToList();
            foreach (var replica in mailboxes)
            {
                Assert.Equal(messageIds, await ImapMessageIdsAsync(topology.Port(replica, "Imap__Port"), address, run));
                Assert.Equal(messageIds, await Pop3MessageIdsAsync(topology, replica, address, run));
            }
        }

        output.WriteLine($"read back over IMAP and POP3 from both mailbox-api replicas in {reading.Elapsed.TotalSeconds:F0} s");

        // And in the webmail, through the edge (which spreads the requests over both webmail
        // replicas, each reading through its own mailbox-api): every INBOX page of every user.
        reading.Restart();
        var pageSize = int.Parse(topology.Environment(webmails[0]).GetValueOrDefault("Webmail__PageSize") ?? "50", System.Globalization.CultureInfo.InvariantCulture);
        var pages = 0;
        foreach (var user in MailPlan.Users)
        {
            var address = plan.Address(user);
            var subjects = expected.Where(e => e.Mailbox == address).Select(e => e.Token).Order(StringComparer.Ordinal).ToList();
            using var webmail = new WebmailReader(topology.Port(edge, "Http__Port"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                Assert.Equal("/Mail", await webmail.LogInAsync(address, E2ESite.Password, timeout.Token));
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"{e.Message}\n{Logs(topology, "webmail", "edge")}", e);
            }

            var inbox = await webmail.ListInboxAsync(maxPages: subjects.Count / pageSize + 2, timeout.Token);
            pages += inbox.Pages;
            Assert.Equal(subjects.Count, inbox.Total);
            Assert.Equal(subjects, inbox.Subjects.Order(StringComparer.Ordinal).ToList());
        }

        output.WriteLine($"every message listed in the webmail through the edge ({pages} pages) in {reading.Elapsed.TotalSeconds:F0} s; total {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>At 15 %, 30 % and 45 % of the messages accepted: kill a worker, kill a mailbox-api, restart the broker (the clients pause at 60 % until it is down, so the outage falls mid-run).</summary>
    private static async Task<List<string>> ChaosAsync(PlannedSender sender, Topology topology, int worker, int mailbox, PrivateRabbitMq broker, Stopwatch clock, CancellationToken ct)
    {
        var events = new List<string>();
        async Task<bool> AtAsync(double fraction)
        {
            while (sender.Accepted.Count < MessageCount * fraction)
            {
                if (ct.IsCancellationRequested)
                {
                    return false;
                }

                await Task.Delay(100, CancellationToken.None);
            }

            return true;
        }

        if (await AtAsync(0.15))
        {
            await topology.KillAndRestartAsync(worker);
            events.Add($"delivery SIGKILLed and restarted at {sender.Accepted.Count} accepted ({clock.Elapsed.TotalSeconds:F0} s)");
        }

        if (await AtAsync(0.3))
        {
            await topology.KillAndRestartAsync(mailbox);
            events.Add($"mailbox-api SIGKILLed and restarted at {sender.Accepted.Count} accepted ({clock.Elapsed.TotalSeconds:F0} s)");
        }

        if (!await AtAsync(0.45))
        {
            sender.Resume.TrySetResult();
        }
        else
        {
            var stopped = sender.Accepted.Count;
            try
            {
                await broker.StopAppAsync();
            }
            finally
            {
                // The clients go on against the stopped broker (451 until it is back).
                sender.Resume.TrySetResult();
            }

            var down = sender.Accepted.Count;
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            await broker.StartAppAsync();
            events.Add($"broker stop asked at {stopped} accepted, down at {down}, back at {sender.Accepted.Count} ({clock.Elapsed.TotalSeconds:F0} s)");
        }

        return events;
    }

    /// <summary>A mail client checking alice's box on alternating replicas while the load runs (and while one replica is killed).</summary>
    private static async Task<int> PollPop3Async(Topology topology, int[] replicas, MailPlan plan, CancellationToken ct)
    {
        var successes = 0;
        for (var i = 0; !ct.IsCancellationRequested; i++)
        {
            try
            {
                using var pop3 = new Pop3Client { Timeout = 10_000 };
                await pop3.ConnectAsync("127.0.0.1", topology.Port(replicas[i % replicas.Length], "Pop3__Port"), SecureSocketOptions.None, ct);
                await pop3.AuthenticateAsync(plan.Address("alice"), E2ESite.Password, ct);
                _ = pop3.Count;
                await pop3.DisconnectAsync(true, ct);
                successes++;
            }
            catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException or ProtocolException or Pop3CommandException or Pop3ProtocolException or OperationCanceledException
                or MailKit.Security.AuthenticationException)
            {
                // The replica being killed, or the maildrop still locked (PASS answered -ERR [IN-USE], RFC 2449 §8.1.1,
                // which MailKit reports as an AuthenticationException: it failed one CI run, 2026-11-30), or a reply later
                // than the client's 10 s while two cores run the whole topology through a kill and a broker restart (one
                // such timeout failed another): a client tries again. Delivery is what this test judges, and the reading
                // phase below logs every user in over POP3 and IMAP with the same password and fails on any refusal.
            }

            try
            {
                await Task.Delay(1000, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return successes;
    }

    private static async Task<Dictionary<(string Mailbox, string Token), List<string>>> WaitForDeliveriesAsync(
        E2ESite site, HashSet<(string Mailbox, string Token)> expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var mailboxes = expected.Select(e => e.Mailbox).Distinct().ToList();
        var seen = new Dictionary<string, string?>(); // file → subject, files never change once in new/ or cur/
        while (true)
        {
            var found = Scan();
            if (expected.All(found.ContainsKey) || DateTime.UtcNow > deadline)
            {
                // Let anything still in flight land, so a late duplicate is seen too.
                await Task.Delay(2000);
                return Scan();
            }

            await Task.Delay(500);
        }

        Dictionary<(string, string), List<string>> Scan()
        {
            var found = new Dictionary<(string, string), List<string>>();
            foreach (var mailbox in mailboxes)
            {
                foreach (var file in site.Maildir(mailbox).Files())
                {
                    // A message moved from new/ to cur/ (a POP3/IMAP client saw it) is the same message: key by unique name.
                    var unique = Path.GetFileName(file).Split(':')[0];
                    if (!seen.TryGetValue(unique, out var subject))
                    {
                        seen[unique] = subject = MessageTokens.SubjectOf(file);
                    }

                    if (subject is not null)
                    {
                        (found.TryGetValue((mailbox, subject), out var list) ? list : found[(mailbox, subject)] = []).Add(file);
                    }
                }
            }

            return found;
        }
    }

    /// <summary>
    /// Every Message-ID of the run in the user's maildrop over POP3. A PASS answered "-ERR [IN-USE]" (RFC 2449 §8.1.1)
    /// is tried again for a while: the poller's last session, cut off when the load ended, holds the maildrop until
    /// its server notices the client left, and a real client retries a busy maildrop too. Any other refusal fails at
    /// once, with the POP3 exchange and the mailbox-api logs (MailKit reports every refused login the same way).
    /// </summary>
    private static async Task<List<string>> Pop3MessageIdsAsync(Topology topology, int replica, string address, string run)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var exchange = new MemoryStream();
            using var pop3 = new Pop3Client(new ProtocolLogger(exchange, leaveOpen: true)) { Timeout = 60_000 };
            await pop3.ConnectAsync("127.0.0.1", topology.Port(replica, "Pop3__Port"), SecureSocketOptions.None);
            try
            {
                await pop3.AuthenticateAsync(address, E2ESite.Password);
            }
            catch (AuthenticationException e)
            {
                var said = System.Text.Encoding.UTF8.GetString(exchange.ToArray());
                if (said.Contains("-ERR [IN-USE]", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine($"POP3 login of {address} on {topology.Processes[replica].Name}: [IN-USE] after {waited.Elapsed.TotalSeconds:F1} s, trying again");
                    await Task.Delay(500);
                    continue;
                }

                throw new InvalidOperationException($"POP3 login of {address} on {topology.Processes[replica].Name} refused after {waited.Elapsed.TotalSeconds:F1} s:\n{said}\n{Logs(topology, "mailbox-api")}", e);
            }

            var headers = pop3.Count == 0 ? [] : await pop3.GetMessageHeadersAsync(0, pop3.Count);
            await pop3.DisconnectAsync(true);
            return OfRun(headers.Select(h => h[MimeKit.HeaderId.MessageId]), run);
        }
    }

    private static async Task<List<string>> ImapMessageIdsAsync(int port, string address, string run)
    {
        using var imap = new ImapClient { Timeout = 60_000 };
        await imap.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await imap.AuthenticateAsync(address, E2ESite.Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = imap.Inbox.Count == 0 ? [] : await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);
        await imap.DisconnectAsync(true);
        return OfRun(summaries.Select(s => s.Envelope?.MessageId), run);
    }

    private static List<string> OfRun(IEnumerable<string?> messageIds, string run) =>
        [.. messageIds.OfType<string>().Select(id => id.Trim().Trim('<', '>')).Where(id => id.StartsWith(run + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static int Number(string token, string run) => int.Parse(token[(run.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Each copy's queue id (from the gateway's Received header) and the sender's earlier attempts: tells an SMTP-level resend from a redelivery.</summary>
    private static string Explain(string token, List<string> files, PlannedSender sender, string run)
    {
        var n = int.Parse(token[(run.Length + 1)..]);
        var ids = files.Select(f => File.ReadLines(f).TakeWhile(l => l.Length > 0).Select(l => l.Trim())
            .FirstOrDefault(l => l.Contains(" id ", StringComparison.Ordinal)) ?? "?");
        var attempts = sender.Retries.TryGetValue(n, out var reasons) ? string.Join(" | ", reasons) : "none";
        return $"  {token} ×{files.Count}: {string.Join(" ; ", ids)}; earlier attempts: {attempts}";
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Logs(Topology topology, params string[] services) =>
        string.Join("\n", topology.Processes.Where(p => services.Length == 0 || services.Any(s => p.Name.StartsWith(s + "-", StringComparison.Ordinal)))
            .Select(p => $"--- {p.Name}\n{string.Join('\n', p.Log.Split('\n').TakeLast(30))}"));
}
