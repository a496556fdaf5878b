using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>An MTA-STS policy (RFC 8461 §3.2): mode and the MX name patterns.</summary>
internal sealed record MtaStsPolicy(string Mode, IReadOnlyList<string> Mx, DateTimeOffset Expires)
{
    public bool Enforce => Mode.Equals("enforce", StringComparison.OrdinalIgnoreCase);

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
/// MTA-STS discovery (RFC 8461 §3): a <c>_mta-sts</c> TXT record announces a policy, fetched over
/// HTTPS from <c>mta-sts.&lt;domain&gt;</c> (certificate verified, name resolved through the relay's
/// own DNS servers) and cached in memory for its max_age. Any fetch failure means "no policy":
/// RFC 8461 §5 lets a sender without a cached policy deliver as without MTA-STS.
/// </summary>
internal sealed partial class MtaStsPolicies : IDisposable
{
    private readonly DestinationResolver resolver;
    private readonly IOptions<RelayOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<MtaStsPolicies> logger;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<string, MtaStsPolicy?> cache = new(StringComparer.OrdinalIgnoreCase);

    public MtaStsPolicies(DestinationResolver resolver, IOptions<RelayOptions> options, TimeProvider time, ILogger<MtaStsPolicies> logger)
    {
        this.resolver = resolver;
        this.options = options;
        this.time = time;
        this.logger = logger;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // RFC 8461 §3.3: redirects are not followed.
            ConnectCallback = ConnectAsync,
        };
        http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

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

    public async Task<MtaStsPolicy?> GetAsync(string domain, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue(domain, out var cached) && (cached is null ? false : cached.Expires > now))
        {
            return cached;
        }

        var txt = await resolver.TxtAsync("_mta-sts." + domain, cancellationToken).ConfigureAwait(false);
        if (!txt.Any(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)))
        {
            return cached is { } old && old.Expires > now ? old : null;
        }

        try
        {
            var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"https://mta-sts.{domain}:{options.Value.MtaStsPort}/.well-known/mta-sts.txt"));
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var policy = MtaStsPolicy.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), now);
            cache[domain] = policy;
            return policy;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogPolicyFetchFailed(logger, domain, e.Message);
            return null;
        }
    }

    public void Dispose() => http.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "MTA-STS policy of {Domain} announced but not fetched: {Error}")]
    private static partial void LogPolicyFetchFailed(ILogger logger, string domain, string error);
}
