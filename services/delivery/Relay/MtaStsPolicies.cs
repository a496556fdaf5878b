using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>An MTA-STS policy (RFC 8461 §3.2): mode and the MX name patterns.</summary>
internal sealed record MtaStsPolicy(string Mode, IReadOnlyList<string> Mx, DateTimeOffset Expires)
{
    /// <summary>The <c>id</c> of the <c>_mta-sts</c> TXT record this policy was fetched under (RFC 8461 §3.1).</summary>
    public string? Id { get; init; }

    public bool Enforce => Mode.Equals("enforce", StringComparison.OrdinalIgnoreCase);

    public bool Testing => Mode.Equals("testing", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 8461 §4.1: exact match, or "*.example.org" matching exactly one leftmost label.</summary>
    public bool Matches(string host)
    {
        host = host.TrimEnd('.');
        foreach (var pattern in Mx)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = host.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && host[(dot + 1)..].Equals(pattern[2..], StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (host.Equals(pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static MtaStsPolicy? Parse(string text, DateTimeOffset now)
    {
        string? version = null, mode = null;
        long maxAge = 0;
        var mx = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version": version = value; break;
                case "mode": mode = value; break;
                case "mx": mx.Add(value); break;
                case "max_age": _ = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out maxAge); break;
            }
        }

        return version == "STSv1" && mode is "enforce" or "testing" or "none"
            ? new MtaStsPolicy(mode, mx, now.AddSeconds(Math.Min(maxAge, 31_557_600)))
            : null;
    }
}

/// <summary>
/// MTA-STS discovery (RFC 8461 §3): a <c>_mta-sts</c> TXT record (<c>v=STSv1; id=…</c>) announces
/// a policy, fetched over HTTPS from <c>Relay:MtaStsPolicyUrlTemplate</c> (by default
/// <c>https://mta-sts.{domain}/.well-known/mta-sts.txt</c>; certificate verified with
/// <see cref="RelayTlsTrust"/>, name resolved through the relay's own DNS servers, no redirects)
/// and cached in memory for its max_age. The TXT record is looked up for every attempt and a
/// new <c>id</c> makes the policy fetched again (§3.3); a missing TXT record or a failed fetch
/// leaves a cached, unexpired policy in force (§5.1). Without any policy the relay delivers as
/// without MTA-STS.
/// </summary>
internal sealed partial class MtaStsPolicies : IDisposable
{
    private readonly DestinationResolver resolver;
    private readonly IOptions<RelayOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<MtaStsPolicies> logger;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<string, MtaStsPolicy> cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> fetching = new(StringComparer.OrdinalIgnoreCase);
    private int fetches;

    public MtaStsPolicies(DestinationResolver resolver, RelayTlsTrust trust, IOptions<RelayOptions> options, TimeProvider time, ILogger<MtaStsPolicies> logger)
    {
        this.resolver = resolver;
        this.options = options;
        this.time = time;
        this.logger = logger;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // RFC 8461 §3.3: redirects are not followed.
            ConnectCallback = ConnectAsync,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.IsValid(certificate, chain, errors) },
        };
        http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Policy fetches made (tests check the cache with it).</summary>
    public int Fetches => fetches;

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (addresses, error) = await resolver.AddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Count == 0)
        {
            throw new HttpRequestException(error ?? $"No address for {context.DnsEndPoint.Host}");
        }

        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses[0], context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The policy URL of a domain (RFC 8461 §3.3), from the template or the default.</summary>
    internal Uri PolicyUrl(string domain)
    {
        var template = options.Value.MtaStsPolicyUrlTemplate is { Length: > 0 } configured
            ? configured
            : string.Create(CultureInfo.InvariantCulture, $"https://mta-sts.{{domain}}:{options.Value.MtaStsPort}/.well-known/mta-sts.txt");
        return new Uri(template.Replace("{domain}", domain.ToLowerInvariant(), StringComparison.Ordinal));
    }

    /// <summary>The <c>id</c> of a <c>v=STSv1</c> TXT record, or null when none announces a policy.</summary>
    internal static string? AnnouncedId(IEnumerable<string> txt)
    {
        foreach (var record in txt)
        {
            var fields = record.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0] != "v=STSv1")
            {
                continue;
            }

            return fields.Select(f => f.Split('=', 2)).FirstOrDefault(kv => kv.Length == 2 && kv[0].Trim() == "id")?[1].Trim() ?? string.Empty;
        }

        return null;
    }

    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cached = cache.TryGetValue(domain, out var entry) && entry.Expires > now ? entry : null;

        IReadOnlyList<string> txt;
        try
        {
            txt = await resolver.TxtAsync("_mta-sts." + domain, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsClient.DnsResponseException)
        {
            return Usable(cached);
        }

        var id = AnnouncedId(txt);
        if (id is null || (cached is not null && cached.Id == id))
        {
            return Usable(cached);
        }

        // One fetch per domain at a time: attempts arriving together wait for it and share the result.
        var gate = fetching.GetOrAdd(domain, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (cache.TryGetValue(domain, out var fresh) && fresh.Expires > time.GetUtcNow() && fresh.Id == id)
            {
                return Usable(fresh);
            }

            return await FetchAsync(domain, id, cached, now, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<MtaStsPolicy?> FetchAsync(string domain, string id, MtaStsPolicy? cached, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            Interlocked.Increment(ref fetches);
            using var response = await http.GetAsync(PolicyUrl(domain), cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var policy = MtaStsPolicy.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), now);
            if (policy is null)
            {
                LogPolicyFetchFailed(logger, domain, "not a valid STSv1 policy");
                return Usable(cached);
            }

            policy = policy with { Id = id };
            cache[domain] = policy;
            LogPolicyFetched(logger, domain, policy.Mode, id, policy.Expires);
            return Usable(policy);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogPolicyFetchFailed(logger, domain, e.Message);
            return Usable(cached);
        }
    }

    /// <summary>Mode <c>none</c> (RFC 8461 §5) is the same as no policy.</summary>
    private static MtaStsPolicy? Usable(MtaStsPolicy? policy) => policy is { Enforce: true } or { Testing: true } ? policy : null;

    public void Dispose() => http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "MTA-STS policy of {Domain} announced but not fetched: {Error}")]
    private static partial void LogPolicyFetchFailed(ILogger logger, string domain, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "MTA-STS policy of {Domain}: mode {Mode}, id {Id}, cached until {Expires}")]
    private static partial void LogPolicyFetched(ILogger logger, string domain, string mode, string id, DateTimeOffset expires);
}
