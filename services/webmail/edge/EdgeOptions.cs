using System.ComponentModel.DataAnnotations;

namespace Facteur.Edge;

/// <summary>The edge's listeners (section <c>Http</c>, DESIGN.md) and its login rate limit.</summary>
public sealed class EdgeOptions
{
    public const string SectionName = "Http";

    [Range(0, 65535, ErrorMessage = "Http:Port must be between 0 and 65535")]
    public int Port { get; set; } = 80;

    /// <summary>HTTPS listener, opened only when <c>Facteur:Tls:CertificatePath</c> is configured.</summary>
    [Range(0, 65535, ErrorMessage = "Http:HttpsPort must be between 0 and 65535")]
    public int HttpsPort { get; set; } = 443;

    /// <summary>Login attempts (POST /Login) per client address and minute, for the whole farm behind this edge.</summary>
    [Range(1, 10_000, ErrorMessage = "Http:LoginRequestsPerMinute must be between 1 and 10000")]
    public int LoginRequestsPerMinute { get; set; } = 10;

    /// <summary>MTA-STS policy mode (RFC 8461 §3.2): testing, enforce or none.</summary>
    [RegularExpression("^(testing|enforce|none)$", ErrorMessage = "Http:MtaStsMode must be testing, enforce or none")]
    public string MtaStsMode { get; set; } = "testing";

    /// <summary>HSTS max-age when TLS is on.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}
