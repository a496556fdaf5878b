using System.Net;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>The DNS answers SPF, DKIM and DMARC need. Throws <see cref="InboundDnsException"/> for a temporary failure (SERVFAIL, timeout).</summary>
internal interface IInboundDns
{
    /// <summary>TXT strings (each record's strings concatenated); empty when the name has none or does not exist.</summary>
    Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken);

    /// <summary>A and/or AAAA addresses; empty when none.</summary>
    Task<IReadOnlyList<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancellationToken);

    /// <summary>MX exchange names by preference; empty when none.</summary>
    Task<IReadOnlyList<string>> MxAsync(string name, CancellationToken cancellationToken);
}

internal sealed class InboundDnsException(string message) : Exception(message);
