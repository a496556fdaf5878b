using System.ComponentModel.DataAnnotations;

namespace Facteur.MailboxApi.Pop3;

/// <summary>The <c>Pop3</c> section: listeners and the limits every session enforces.</summary>
public sealed class Pop3Options : IValidatableObject, ILoginThrottleOptions, IMailboxListenerOptions
{
    public const string SectionName = "Pop3";

    /// <summary>Plain listener with STLS (RFC 2595). 0 lets the OS choose (tests).</summary>
    [Range(0, 65535, ErrorMessage = "Pop3:Port must be between 0 and 65535")]
    public int Port { get; set; } = 110;

    /// <summary>Implicit TLS listener (POP3S).</summary>
    [Range(0, 65535, ErrorMessage = "Pop3:TlsPort must be between 0 and 65535")]
    public int TlsPort { get; set; } = 995;

    /// <summary>
    /// Longest command line in octets, CRLF included. RFC 2449 §4 caps commands at 255 octets;
    /// a little slack is left for clients that send long user names.
    /// </summary>
    [Range(64, 65536, ErrorMessage = "Pop3:MaxLineLength must be between 64 and 65536")]
    public int MaxLineLength { get; set; } = 512;

    /// <summary>Longest SASL response line (base64 of a PLAIN response can exceed a command line).</summary>
    [Range(256, 65536, ErrorMessage = "Pop3:MaxAuthLineLength must be between 256 and 65536")]
    public int MaxAuthLineLength { get; set; } = 8192;

    /// <summary>Unknown commands, commands in the wrong state, syntax errors and overlong lines before the server closes.</summary>
    [Range(1, 1000, ErrorMessage = "Pop3:MaxBadCommands must be between 1 and 1000")]
    public int MaxBadCommands { get; set; } = 10;

    /// <summary>Failed USER/PASS or AUTH attempts in one session before the server closes it.</summary>
    [Range(1, 100, ErrorMessage = "Pop3:MaxAuthFailuresPerSession must be between 1 and 100")]
    public int MaxAuthFailuresPerSession { get; set; } = 3;

    /// <summary>
    /// Idle time before autologout. RFC 1939 §3 requires at least 10 minutes; a shorter value is
    /// accepted for tests only.
    /// </summary>
    public TimeSpan AutologoutTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Delay before answering a failed login; doubles with each recent failure from the same IP, up to <see cref="MaxFailedLoginDelay"/>.</summary>
    public TimeSpan FailedLoginDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxFailedLoginDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Failed logins from one IP within <see cref="FailedLoginWindow"/> after which logins from it are refused outright.</summary>
    [Range(1, 100000, ErrorMessage = "Pop3:MaxFailedLoginsPerIp must be between 1 and 100000")]
    public int MaxFailedLoginsPerIp { get; set; } = 20;

    /// <summary>Failed logins for one user name within <see cref="FailedLoginWindow"/> after which logins for it are refused outright (IMAP's default).</summary>
    [Range(1, 100000, ErrorMessage = "Pop3:MaxFailedLoginsPerUser must be between 1 and 100000")]
    public int MaxFailedLoginsPerUser { get; set; } = 10;

    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Advertised as CAPA <c>EXPIRE</c> (RFC 2449 §6.7: days, or NEVER) when set. Facteur does not expire mail itself.</summary>
    public string? Expire { get; set; }

    /// <summary>Advertised as CAPA <c>LOGIN-DELAY</c> (RFC 2449 §6.8, seconds) when set.</summary>
    [Range(0, 86400, ErrorMessage = "Pop3:LoginDelaySeconds must be between 0 and 86400")]
    public int? LoginDelaySeconds { get; set; }

    /// <summary>
    /// Messages, over all maildrops, whose login scan is kept in memory and reused while new/, cur/ and
    /// the uidlist are unchanged (Dovecot's quick check); about half a kilobyte each. 0 scans at every login.
    /// </summary>
    [Range(0, 10_000_000, ErrorMessage = "Pop3:MaildropCacheMessages must be between 0 and 10000000")]
    public int MaildropCacheMessages { get; set; } = 200_000;

    /// <summary>How long to wait for the maildrop's uidlist lock before answering [SYS/TEMP].</summary>
    public TimeSpan MaildropLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Both listeners expect a HAProxy PROXY header (v1 or v2) first and take the client address
    /// from it. Enable only behind a balancer that sends it: anyone reaching the port directly could
    /// claim any address.
    /// </summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>How long a connection may take to send its PROXY header.</summary>
    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The IMPLEMENTATION capability (RFC 2449 §6.9).</summary>
    [Required(ErrorMessage = "Pop3:Implementation is required")]
    public string Implementation { get; set; } = "Facteur";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AutologoutTimeout < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Pop3:AutologoutTimeout must be at least 00:00:01 (RFC 1939 asks for 10 minutes)", [nameof(AutologoutTimeout)]);
        }

        if (FailedLoginDelay < TimeSpan.Zero || MaxFailedLoginDelay < FailedLoginDelay)
        {
            yield return new ValidationResult("Pop3:FailedLoginDelay must be >= 0 and <= Pop3:MaxFailedLoginDelay", [nameof(FailedLoginDelay)]);
        }

        if (FailedLoginWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Pop3:FailedLoginWindow must be positive", [nameof(FailedLoginWindow)]);
        }

        if (Expire is { } expire && expire != "NEVER" && !(int.TryParse(expire, out var days) && days >= 0))
        {
            yield return new ValidationResult("Pop3:Expire must be a number of days or NEVER", [nameof(Expire)]);
        }

        if (Port == TlsPort && Port != 0)
        {
            yield return new ValidationResult("Pop3:Port and Pop3:TlsPort must differ", [nameof(TlsPort)]);
        }
    }
}
