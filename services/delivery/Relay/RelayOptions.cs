using System.ComponentModel.DataAnnotations;

namespace Facteur.Delivery.Relay;

/// <summary>The <c>Relay</c> section: how the outbound relay finds, reaches and retries remote MXs.</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>DNS servers (<c>ip</c> or <c>ip:port</c>) for MX/A/AAAA/TXT lookups; empty = the system resolvers.</summary>
    public List<string> DnsServers { get; set; } = [];

    /// <summary>The remote MX port. 25 on the Internet; tests point it at a local sink.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>
    /// Waits between attempts after a temporary failure; the last one repeats until
    /// <see cref="MaxLifetime"/>. Empty (the default) means 5 m, 15 m, 30 m, 1 h, 2 h, 4 h.
    /// (A pre-filled list would have configured values appended by the binder.)
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>How long a message may wait for a remote MX before it bounces (RFC 5321 §4.5.4.1: 4–5 days).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>A delay DSN (RFC 3464 action=delayed) goes to the sender once, after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Postfix transport(5)-style map (<c>example.org smtp:[relay.example.net]:587</c>, <c>* smtp:[smarthost]:587</c>).</summary>
    public string? TransportMapFile { get; set; }

    /// <summary>Credentials for transport-map next hops: lines <c>host[:port] user password</c>.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>DKIM private keys, one per domain: <c>&lt;domain&gt;.&lt;selector&gt;.key</c> (PEM).</summary>
    public string? DkimKeysFolder { get; set; }

    /// <summary>Relay transactions at once per worker.</summary>
    [Range(1, 1000)]
    public int ConcurrentMessageLimit { get; set; } = 16;

    /// <summary>TCP connect plus each SMTP command (RFC 5321 §4.5.3.2 suggests minutes; a dead MX should not hold a worker long).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Honour MTA-STS (RFC 8461) policies published by destination domains.</summary>
    public bool MtaSts { get; set; } = true;

    /// <summary>Port of the MTA-STS policy host (443; tests serve it locally).</summary>
    [Range(1, 65535)]
    public int MtaStsPort { get; set; } = 443;

    /// <summary>
    /// Where the MTA-STS policy of <c>{domain}</c> is fetched (RFC 8461 §3.3). Empty (the default)
    /// means <c>https://mta-sts.{domain}:{MtaStsPort}/.well-known/mta-sts.txt</c>; tests point it at
    /// a loopback HTTPS server. The host name is resolved with the relay's own DNS servers.
    /// </summary>
    public string? MtaStsPolicyUrlTemplate { get; set; }

    /// <summary>
    /// PEM file of extra certificate authorities trusted, besides the system store, wherever the
    /// relay verifies certificates (MTA-STS enforce, the policy fetch). For private PKIs and tests.
    /// </summary>
    public string? TlsCaFile { get; set; }

    /// <summary>
    /// Connections open at once to one destination (host, address, port), busy or idle; Postfix's
    /// default_destination_concurrency_limit. Transactions beyond it wait for a free connection.
    /// </summary>
    [Range(1, 1000)]
    public int MaxConnectionsPerDestination { get; set; } = 20;

    /// <summary>Transactions on one connection before it is closed (1 = a new connection per message).</summary>
    [Range(1, 100_000)]
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>How long an idle connection is kept for the next transaction to the same destination.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Standalone host: how often the relay spool is checked for mail due for another attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SpoolPollInterval { get; set; } = TimeSpan.FromSeconds(15);

    internal static readonly TimeSpan[] DefaultRetrySchedule =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempt counted from 1).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var schedule = EffectiveRetrySchedule;
        return schedule[Math.Clamp(attempt - 1, 0, schedule.Count - 1)];
    }
}
