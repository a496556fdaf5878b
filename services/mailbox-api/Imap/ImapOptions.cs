using System.ComponentModel.DataAnnotations;
using Facteur.Hosting.Peers;

namespace Facteur.MailboxApi.Imap;

/// <summary>The <c>Imap</c> section: listeners and the limits every session enforces.</summary>
public sealed class ImapOptions : IValidatableObject, ILoginThrottleOptions, IMailboxListenerOptions
{
    public const string SectionName = "Imap";

    /// <summary>Plain listener with STARTTLS (RFC 3501 §6.2.1). 0 lets the OS choose (tests).</summary>
    [Range(0, 65535, ErrorMessage = "Imap:Port must be between 0 and 65535")]
    public int Port { get; set; } = 143;

    /// <summary>Implicit TLS listener (RFC 8314 §3.3).</summary>
    [Range(0, 65535, ErrorMessage = "Imap:TlsPort must be between 0 and 65535")]
    public int TlsPort { get; set; } = 993;

    /// <summary>Longest line of a command in octets (literals excluded). RFC 7162 §4 asks servers to accept at least 8192.</summary>
    [Range(1024, 1048576, ErrorMessage = "Imap:MaxLineLength must be between 1024 and 1048576")]
    public int MaxLineLength { get; set; } = 65536;

    /// <summary>Largest literal (and sum of literals in one command), i.e. the largest APPEND.</summary>
    [Range(1024, 1073741824, ErrorMessage = "Imap:MaxLiteralSize must be between 1024 and 1073741824")]
    public long MaxLiteralSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Literals up to this many octets are framed in memory; a logged-in user's larger ones (an APPEND
    /// with attachments) go to an unlinked file in <c>{Facteur:SpoolRoot}/imap/</c> while they arrive.
    /// </summary>
    [Range(4096, 1073741824, ErrorMessage = "Imap:LiteralMemoryLimit must be between 4096 and 1073741824")]
    public long LiteralMemoryLimit { get; set; } = 256 * 1024;

    /// <summary>Syntax errors, unknown commands and commands in the wrong state before the server closes.</summary>
    [Range(1, 1000, ErrorMessage = "Imap:MaxBadCommands must be between 1 and 1000")]
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Failed logins in one session before the server closes it.</summary>
    [Range(1, 100, ErrorMessage = "Imap:MaxAuthFailuresPerSession must be between 1 and 100")]
    public int MaxAuthFailuresPerSession { get; set; } = 5;

    /// <summary>Autologout once authenticated, IDLE included: RFC 3501 §5.4 requires at least 30 minutes.</summary>
    public TimeSpan AutologoutTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Autologout before authentication: shorter, an anonymous connection costs resources for nothing.</summary>
    public TimeSpan PreAuthTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often IDLE looks at the folder on disk (the fallback when no delivery event arrives).</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a reply may wait for a client that does not read before the connection is dropped.</summary>
    public TimeSpan OutputTimeout { get; set; } = TimeSpan.FromSeconds(60);

    [Range(1, 100000, ErrorMessage = "Imap:MaxConnectionsPerUser must be between 1 and 100000")]
    public int MaxConnectionsPerUser { get; set; } = 50;

    [Range(1, 1000000, ErrorMessage = "Imap:MaxConnectionsPerIp must be between 1 and 1000000")]
    public int MaxConnectionsPerIp { get; set; } = 200;

    /// <summary>Delay before answering a failed login; doubles per recent failure from the IP or for the user.</summary>
    public TimeSpan FailedLoginDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxFailedLoginDelay { get; set; } = TimeSpan.FromSeconds(8);

    [Range(1, 100000, ErrorMessage = "Imap:MaxFailedLoginsPerIp must be between 1 and 100000")]
    public int MaxFailedLoginsPerIp { get; set; } = 20;

    [Range(1, 100000, ErrorMessage = "Imap:MaxFailedLoginsPerUser must be between 1 and 100000")]
    public int MaxFailedLoginsPerUser { get; set; } = 10;

    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long to wait for a folder's uidlist lock.</summary>
    public TimeSpan FolderLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Both listeners expect a HAProxy PROXY header first (enable only behind a balancer that sends it).</summary>
    public bool ProxyProtocol { get; set; }

    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Peers (CIDR, e.g. "10.0.0.0/8" for the webmail's network) that may name the real client with
    /// <c>ID ("x-originating-ip" "…")</c> before login, as Dovecot's <c>login_trusted_networks</c>: the
    /// failed-login throttle, the per-IP connection count and the logs then use that address, so one
    /// attacker behind the webmail cannot lock every webmail user out. A trusted peer's own connections
    /// are not counted against <see cref="MaxConnectionsPerIp"/>. Empty (the default): nobody is trusted.
    /// </summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>
    /// Host names whose addresses are trusted as <see cref="TrustedNetworks"/> are: the webmail's
    /// service name under compose (<c>webmail</c>), a headless Service in Kubernetes, where the
    /// webmail's addresses are not known in advance. Resolved again (at most every few seconds) when
    /// a peer is not among the addresses known (<see cref="TrustedPeers"/>). Empty by default.
    /// </summary>
    public List<string> TrustedHosts { get; set; } = [];

    /// <summary>Folders created with their SPECIAL-USE attribute (RFC 6154) at first login.</summary>
    public bool CreateSpecialUseFolders { get; set; } = true;

    [Required(ErrorMessage = "Imap:Implementation is required")]
    public string Implementation { get; set; } = "Facteur";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AutologoutTimeout < TimeSpan.FromSeconds(1) || PreAuthTimeout < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Imap:AutologoutTimeout and Imap:PreAuthTimeout must be at least 00:00:01 (RFC 3501 §5.4 asks for 30 minutes)", [nameof(AutologoutTimeout)]);
        }

        if (FailedLoginDelay < TimeSpan.Zero || MaxFailedLoginDelay < FailedLoginDelay)
        {
            yield return new ValidationResult("Imap:FailedLoginDelay must be >= 0 and <= Imap:MaxFailedLoginDelay", [nameof(FailedLoginDelay)]);
        }

        if (IdlePollInterval < TimeSpan.FromMilliseconds(10) || OutputTimeout < TimeSpan.FromMilliseconds(100) || FailedLoginWindow <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Imap:IdlePollInterval, Imap:OutputTimeout and Imap:FailedLoginWindow must be positive", [nameof(IdlePollInterval)]);
        }

        foreach (var error in PeerTrust.Validate("Imap", TrustedNetworks, TrustedHosts))
        {
            yield return error;
        }

        if (Port == TlsPort && Port != 0)
        {
            yield return new ValidationResult("Imap:Port and Imap:TlsPort must differ", [nameof(TlsPort)]);
        }
    }
}
