namespace Facteur.SmtpGateway.Inbound;

/// <summary>
/// Inbound sender authentication on the MX listener, read from the <c>Smtp</c> section (the
/// gateway's) next to <see cref="SmtpOptions"/>.
/// </summary>
internal sealed class InboundAuthenticationOptions
{
    /// <summary>Evaluate SPF, DKIM and DMARC on port 25 and prepend Authentication-Results.</summary>
    public bool AuthenticationChecks { get; set; } = true;

    /// <summary>Refuse at end of DATA (550 5.7.1) mail failing DMARC whose domain publishes p=reject.</summary>
    public bool DmarcRejectPolicy { get; set; }

    /// <summary>DNS servers (<c>ip</c> or <c>ip:port</c>) for SPF/DKIM/DMARC lookups; empty = the system resolvers.</summary>
    public List<string> DnsServers { get; set; } = [];
}
