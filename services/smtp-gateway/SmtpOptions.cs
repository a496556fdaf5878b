using System.ComponentModel.DataAnnotations;
using Facteur.Hosting.Peers;

namespace Facteur.SmtpGateway;

/// <summary>The <c>Smtp</c> section: listeners and the limits every session enforces.</summary>
internal sealed class SmtpOptions : IValidatableObject
{
    public const string SectionName = "Smtp";

    /// <summary>MX listener (local recipients only, no AUTH). 0 lets the OS choose (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 25;

    /// <summary>Submission listener: STARTTLS, then AUTH before MAIL (RFC 6409).</summary>
    [Range(0, 65535)]
    public int SubmissionPort { get; set; } = 587;

    /// <summary>Submission over implicit TLS (RFC 8314).</summary>
    [Range(0, 65535)]
    public int SubmissionsPort { get; set; } = 465;

    /// <summary>Expect a HAProxy PROXY v1/v2 header on every listener.</summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>Listeners that expect a PROXY header even when <see cref="ProxyProtocol"/> is off: "Mx", "Submission", "Submissions".</summary>
    public List<SmtpListenerKind> ProxyProtocolListeners { get; set; } = [];

    /// <summary>How long a client behind a balancer may take to send its PROXY header.</summary>
    public TimeSpan ProxyProtocolTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Recipients per transaction (RFC 5321 §4.5.3.1.8 asks for at least 100).</summary>
    [Range(1, 100_000)]
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Command line, CRLF included (RFC 5321 §4.5.3.1.4).</summary>
    [Range(64, 1_048_576)]
    public int MaxCommandLineLength { get; set; } = 512;

    /// <summary>
    /// Text lines outside DATA, CRLF included (RFC 5321 §4.5.3.1.6: 1000): the client's answers in an
    /// AUTH exchange. A PLAIN response of a long address and password fits easily.
    /// </summary>
    [Range(64, 1_048_576)]
    public int MaxLineLength { get; set; } = 1000;

    /// <summary>
    /// Lines of a DATA body. Deliberately larger than the 1000 of RFC 5321 §4.5.3.1.6: real mail
    /// (HTML generators, some MUAs' base64 without folding) carries longer lines and Postfix or
    /// Exim accept them; a hard limit still bounds what a line can make us track.
    /// </summary>
    [Range(1000, 16_777_216)]
    public int MaxDataLineLength { get; set; } = 65_536;

    /// <summary>Unknown, malformed or out-of-sequence commands before 421 4.7.0 and disconnect.</summary>
    [Range(1, 10_000)]
    public int MaxBadCommands { get; set; } = 20;

    /// <summary>Waiting for a command (RFC 5321 §4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for the next block of DATA/BDAT octets (RFC 5321 §4.5.3.2.6: 3 minutes; we give 10).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whole session, however active.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Concurrent sessions from one client address (after PROXY).</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>
    /// Peers (CIDR, e.g. "10.0.0.0/8" for the webmail's network) trusted as a front end that submits for
    /// many users — the webmail — as Postfix's <c>smtpd_authorized_xclient_hosts</c>: their own sessions are
    /// not counted against <see cref="MaxConnectionsPerIp"/>, and they may name the real client with XCLIENT
    /// (<see cref="Commands.XclientCommand"/>), so failed AUTH is counted, and the Received header and the logs
    /// written, for the browser's address rather than for the webmail's, which carries everyone.
    /// Empty (the default): nobody is trusted.
    /// </summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>Host names whose addresses are trusted as <see cref="TrustedNetworks"/> are (compose's <c>webmail</c>, a headless Service in Kubernetes).</summary>
    public List<string> TrustedHosts { get; set; } = [];

    /// <summary>Failed AUTH attempts from one address within <see cref="AuthFailureWindow"/> before AUTH is refused.</summary>
    [Range(1, 10_000)]
    public int MaxAuthFailuresPerIp { get; set; } = 5;

    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause before every 535 answer, so guessing is slow.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Standalone host only (in-process delivery): the longest a MAIL FROM waits while delivery is
    /// behind, like Postfix's <c>in_flow_delay</c>. Delivery's pace then sets the accept rate, so
    /// a message accepted is written soon instead of queueing behind a backlog. The wait ends at
    /// the first delivery start; after it the message is accepted anyway (never refused for this).
    /// Zero turns it off.
    /// </summary>
    public TimeSpan InFlowDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>With <see cref="InFlowDelay"/>: messages waiting for a free delivery slot at which a new MAIL FROM waits.</summary>
    [Range(1, 100_000)]
    public int InFlowBacklog { get; set; } = 2;

    public bool IsProxied(SmtpListenerKind kind) => ProxyProtocol || ProxyProtocolListeners.Contains(kind);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(CommandTimeout), CommandTimeout), (nameof(DataTimeout), DataTimeout), (nameof(SessionTimeout), SessionTimeout),
            (nameof(ProxyProtocolTimeout), ProxyProtocolTimeout), (nameof(AuthFailureWindow), AuthFailureWindow),
        })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                yield return new ValidationResult($"{SectionName}:{name} must be between 00:00:00 and 1.00:00:00 (exclusive of zero), not {value}", [name]);
            }
        }

        if (AuthFailureDelay < TimeSpan.Zero || AuthFailureDelay > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(AuthFailureDelay)} must be between 0 and 1 minute, not {AuthFailureDelay}", [nameof(AuthFailureDelay)]);
        }

        if (InFlowDelay < TimeSpan.Zero || InFlowDelay > TimeSpan.FromSeconds(10))
        {
            // Far below the 5 minutes a client waits for the MAIL reply (RFC 5321 §4.5.3.2.2).
            yield return new ValidationResult($"{SectionName}:{nameof(InFlowDelay)} must be between 0 and 10 seconds, not {InFlowDelay}", [nameof(InFlowDelay)]);
        }

        foreach (var error in PeerTrust.Validate(SectionName, TrustedNetworks, TrustedHosts))
        {
            yield return error;
        }

        var ports = new[] { Port, SubmissionPort, SubmissionsPort }.Where(p => p != 0).ToList();
        if (ports.Count != ports.Distinct().Count())
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Port)}, {nameof(SubmissionPort)} and {nameof(SubmissionsPort)} must differ", [nameof(Port)]);
        }
    }
}
