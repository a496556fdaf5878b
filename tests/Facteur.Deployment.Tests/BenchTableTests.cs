using System.Text.Json;
using Facteur.Deployment.Tests.Infrastructure;

namespace Facteur.Deployment.Tests;

/// <summary>
/// bench/results/tabulate.py, run twice as bench/run.sh runs it after two full runs: the second table keeps
/// the first run's figures beside the new ones and marks the rows that got worse (issue 8: no row
/// regresses silently).
/// </summary>
public sealed class BenchTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facteur-tabulate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // POP3 and webmail rows of one run; retrS is Facteur's RETR timings (seconds for 1,000 messages).
    private static string Run(string retrS, bool withWebmail, double webmailRps = 100) =>
        string.Join('\n', new[]
        {
            """{"stack":"anchor","row":"pop3","data":{"messages":10000,"retr":1000,"login_s":[0.010,0.011],"uidl_s":[0.050,0.052],"list_s":[0.010,0.011],"retr_s":[0.200,0.204]}}""",
            """{"stack":"standalone","row":"pop3","data":{"messages":10000,"retr":1000,"login_s":[0.005,0.0051],"uidl_s":[0.006,0.0061],"list_s":[0.006,0.0061],"retr_s":RETR}}""".Replace("RETR", retrS, StringComparison.Ordinal),
        }.Concat(withWebmail
            ? new[]
            {
                """{"stack":"anchor","row":"webmail:inbox","data":{"messages":10000,"threads":2,"connections":8,"requests_per_s":40,"p99_ms":300}}""",
                """{"stack":"standalone","row":"webmail:inbox","data":{"messages":10000,"threads":2,"connections":8,"requests_per_s":RPS,"p99_ms":150}}"""
                    .Replace("RPS", webmailRps.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
            }
            : []));

    private async Task<string> TabulateAsync(string stamp, string results, params string[] code)
    {
        var input = Path.Combine(_dir, stamp + ".jsonl");
        await File.WriteAllTextAsync(input, results);
        var run = await Tool.RunAsync("python3",
            [Repository.Path("bench", "results", "tabulate.py"), input, "--repeat", "2", "--out-dir", _dir, "--stamp", stamp, .. code],
            timeout: TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Describe("tabulate.py"));
        return await File.ReadAllTextAsync(Path.Combine(_dir, "latest.md"));
    }

    private static string Row(string table, string label) =>
        table.Split('\n').Single(line => line.StartsWith($"| {label} |", StringComparison.Ordinal));

    [Fact]
    public async Task Second_full_run_shows_the_first_runs_figures_beside_its_own_and_marks_a_worse_row_regressed()
    {
        // First run: Facteur retrieves 1,000 messages in 0.100 s (9,950 msgs/s, 2.01 × Dovecot).
        var first = await TabulateAsync("2026-01-01T0000Z", Run("[0.100,0.101]", withWebmail: true));
        Assert.DoesNotContain("previous", first, StringComparison.Ordinal);

        // Second run: RETR four times slower (2,488 msgs/s, 0.50 ×), UIDL unchanged, webmail not measured.
        var second = await TabulateAsync("2026-01-02T0000Z", Run("[0.400,0.404]", withWebmail: false));

        Assert.Contains("The *previous* columns are the run of 2026-01-01T0000Z", second, StringComparison.Ordinal);
        var retr = Row(second, "POP3 RETR of 1,000");
        Assert.Contains("| 2,488 (2,475–2,500) | 0.50 ✗ |", retr, StringComparison.Ordinal);  // this run
        Assert.Contains("| 4,951 (4,902–5,000) | 9,950 (9,901–10,000) | 2.01 ✓ | ▼ regressed (-75%) |", retr, StringComparison.Ordinal);  // the first run, beside it

        var uidl = Row(second, "POP3 UIDL of 10,000");
        Assert.DoesNotContain("▼", uidl, StringComparison.Ordinal);
        Assert.Contains("| = (", uidl, StringComparison.Ordinal);

        // A row of the first run that this run lacks is listed, not dropped.
        Assert.Contains("▼ not measured", Row(second, "Webmail inbox page (10,000 msgs, wrk -t2 -c8): requests/s"), StringComparison.Ordinal);
        Assert.Contains("row(s) regressed or went missing since the previous run:** POP3 RETR of 1,000", second, StringComparison.Ordinal);

        // latest.json now carries the second run, so a third run compares with it.
        using var latest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "latest.json")));
        Assert.Equal("2026-01-02T0000Z", latest.RootElement.GetProperty("stamp").GetString());
        Assert.True(latest.RootElement.GetProperty("meta").GetProperty("POP3 RETR of 1,000").GetProperty("higher").GetBoolean());
    }

    [Fact]
    public async Task A_row_that_got_better_is_marked_improved_and_the_webmail_rows_carry_roundcubes_ratio()
    {
        await TabulateAsync("2026-01-01T0000Z", Run("[0.400,0.404]", withWebmail: true, webmailRps: 20));
        var second = await TabulateAsync("2026-01-02T0000Z", Run("[0.100,0.101]", withWebmail: true, webmailRps: 100));

        Assert.Contains("▲ improved", Row(second, "POP3 RETR of 1,000"), StringComparison.Ordinal);
        var webmail = Row(second, "Webmail inbox page (10,000 msgs, wrk -t2 -c8): requests/s");
        Assert.Contains("| 40.0 | 100 | 2.50 ✓ |", webmail, StringComparison.Ordinal);
        Assert.Contains("▲ improved", webmail, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Split('\n'), line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains('▼', StringComparison.Ordinal));
        Assert.DoesNotContain("row(s) regressed", second, StringComparison.Ordinal);
    }

    // One SMTP cell (2 KB, c=1) of three stacks, accepted msgs/s as two repetitions each.
    private static string Smtp(string anchor, string standalone, string rabbit) => string.Join('\n',
        new[] { ("anchor", anchor), ("standalone", standalone), ("rabbitmq", rabbit) }.SelectMany(s => s.Item2.Split(',').Select(rate =>
            $$$"""{"stack":"{{{s.Item1}}}","row":"smtp:10000:2048:1","data":{"accepted_per_s":{{{rate}}},"e2e_per_s":{{{rate}}},"p50_s":0.002,"p99_s":0.005}}""")));

    [Fact]
    public async Task The_rabbitmq_stack_keeps_its_previous_figures_and_a_ratio_that_fell_only_because_the_anchor_got_faster_is_not_called_a_regression()
    {
        await TabulateAsync("2026-01-01T0000Z", Smtp(anchor: "300,302", standalone: "400,402", rabbit: "330,332"));
        // Postfix 30 % faster; the standalone holds its figure (ratio 1.33 -> 1.03); the RabbitMQ stack slows by a quarter.
        var second = await TabulateAsync("2026-01-02T0000Z", Smtp(anchor: "390,392", standalone: "400,402", rabbit: "247,249"));

        var accepted = Row(second, "SMTP 10,000 × 2 KB, c=1: accepted");
        Assert.Contains("| 391 (390–392) | 401 (400–402) | 1.03 ✓ | 248 (247–249) | 0.63 ✗ |", accepted, StringComparison.Ordinal);
        // Beside it: the first run's anchor, standalone and ratio, the standalone's verdict, then the RabbitMQ stack's.
        Assert.Contains("| 301 (300–302) | 401 (400–402) | 1.33 ✓ | ▽ ratio -23%, own +0% (within ±5%) | 331 (330–332) | 1.10 ✓ | ▼ regressed (-42%) |",
            accepted, StringComparison.Ordinal);
        Assert.Contains("row(s) regressed or went missing since the previous run:** SMTP 10,000 × 2 KB, c=1: accepted", second, StringComparison.Ordinal);

        // The same figures again: nothing moved, so no mark in either column.
        var third = await TabulateAsync("2026-01-03T0000Z", Smtp(anchor: "390,392", standalone: "400,402", rabbit: "247,249"));
        var again = Row(third, "SMTP 10,000 × 2 KB, c=1: accepted");
        Assert.DoesNotContain("▼", again, StringComparison.Ordinal);
        Assert.DoesNotContain("▽", again, StringComparison.Ordinal);
        Assert.DoesNotContain("row(s) regressed", third, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_of_the_same_server_code_says_that_its_marks_are_the_machine_and_a_run_of_other_code_says_it_changed()
    {
        string[] Code(string commit, string server, string bench) => ["--commit", commit, "--server-code", server, "--bench-code", bench];
        await TabulateAsync("2026-01-01T0000Z", Run("[0.100,0.101]", withWebmail: false), Code("aaaaaaa", "0123456789ab", "ba0000000001"));

        // Same server code, bench scripts changed; RETR four times slower all the same (a slower machine).
        var same = await TabulateAsync("2026-01-02T0000Z", Run("[0.400,0.404]", withWebmail: false), Code("bbbbbbb", "0123456789ab", "ba0000000002"));
        Assert.Contains("**Same server code as the previous run** (services/, libs/ and the build files; commit aaaaaaa then, bbbbbbb now), "
            + "though the bench scripts changed: every ▼, ▽ and ▲ below is the machine or the anchor moving, not Facteur.", same, StringComparison.Ordinal);
        Assert.Contains("▼ regressed", Row(same, "POP3 RETR of 1,000"), StringComparison.Ordinal);
        Assert.Contains("- **Code**: commit bbbbbbb; fingerprints: server 0123456789ab, bench ba0000000002", same, StringComparison.Ordinal);

        // Other server code: said so, and no claim about the marks.
        var other = await TabulateAsync("2026-01-03T0000Z", Run("[0.400,0.404]", withWebmail: false), Code("ccccccc", "fedcba987654", "ba0000000002"));
        Assert.Contains("Facteur's server code changed since the previous run (commit bbbbbbb then, ccccccc now).", other, StringComparison.Ordinal);
        Assert.DoesNotContain("Same server code", other, StringComparison.Ordinal);

        // A fingerprint that is not a committed build's (uncommitted changes, --skip-build) makes no claim either way.
        var unbuilt = await TabulateAsync("2026-01-04T0000Z", Run("[0.400,0.404]", withWebmail: false), Code("ccccccc", "not built by this run", "ba0000000002"));
        Assert.DoesNotContain("Same server code", unbuilt, StringComparison.Ordinal);
        Assert.DoesNotContain("server code changed", unbuilt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_whose_anchor_is_zero_says_level_or_behind_instead_of_no_ratio()
    {
        // Dovecot's sleeping processes use no CPU at rest: Facteur is level at 1,000 connections and behind at 10,000.
        var table = await TabulateAsync("2026-01-01T0000Z", string.Join('\n',
            """{"stack":"anchor","row":"imap:conns","data":{"1000":{"per_conn_bytes":524288,"cpu_at_rest_pct":0.0},"10000":{"per_conn_bytes":524288,"cpu_at_rest_pct":0.0}}}""",
            """{"stack":"standalone","row":"imap:conns","data":{"1000":{"per_conn_bytes":4096,"cpu_at_rest_pct":0.0},"10000":{"per_conn_bytes":6144,"cpu_at_rest_pct":0.4}}}"""));

        Assert.Contains("| 0.00 | 0.00 | = 0 ✓ |", Row(table, "IMAP 1,000 idle conns: CPU at rest"), StringComparison.Ordinal);
        Assert.Contains("| 0.00 | 0.40 | ∞ ✗ |", Row(table, "IMAP 10,000 idle conns: CPU at rest"), StringComparison.Ordinal);
        Assert.Contains("| 0.01 ✓ |", Row(table, "IMAP 10,000 idle conns: PSS per conn"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_behind_by_less_than_a_hundredth_shows_a_third_decimal_and_a_tie_stays_two()
    {
        // LIST: 10.2 ms against Dovecot's 10.17 ms is 1.003 × (behind), which two decimals would print as 1.00 ✗.
        // UIDL: 10.0 against 10.0 is level (ahead or at): 1.00 ✓.
        var table = await TabulateAsync("2026-01-01T0000Z", string.Join('\n',
            """{"stack":"anchor","row":"pop3","data":{"messages":10000,"retr":1000,"login_s":[0.010],"uidl_s":[0.0100],"list_s":[0.01017],"retr_s":[0.2]}}""",
            """{"stack":"standalone","row":"pop3","data":{"messages":10000,"retr":1000,"login_s":[0.005],"uidl_s":[0.0100],"list_s":[0.0102],"retr_s":[0.1]}}"""));

        Assert.Contains("| 1.003 ✗ |", Row(table, "POP3 LIST of 10,000"), StringComparison.Ordinal);
        Assert.Contains("| 1.00 ✓ |", Row(table, "POP3 UIDL of 10,000"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cpu_at_rest_counted_in_clock_ticks_is_named_under_the_table()
    {
        // imap_load.py's CpuMeter falls back to ticks where no cgroup is writable: those miss a server's short wakes.
        var table = await TabulateAsync("2026-01-01T0000Z", string.Join('\n',
            """{"stack":"anchor","row":"imap:conns","data":{"1000":{"per_conn_bytes":524288,"cpu_at_rest_pct":0.3,"cpu_method":"cpuacct"}}}""",
            """{"stack":"standalone","row":"imap:conns","data":{"1000":{"per_conn_bytes":4096,"cpu_at_rest_pct":0.1,"cpu_method":"ticks"}}}"""));

        Assert.Contains("| 0.30 | 0.10 | 0.33 ✓ |", Row(table, "IMAP 1,000 idle conns: CPU at rest"), StringComparison.Ordinal);
        Assert.Contains("- standalone / 1000 idle IMAP connections: CPU at rest counted in clock ticks", table, StringComparison.Ordinal);
        Assert.DoesNotContain("- anchor / 1000 idle IMAP connections: CPU at rest counted", table, StringComparison.Ordinal);
    }
}
