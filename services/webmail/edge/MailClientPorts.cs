using Facteur.Hosting;
using Microsoft.Extensions.Options;

namespace Facteur.Edge;

/// <summary>
/// What client auto-configuration announces: the mail host name (<c>Facteur:Hostname</c>) and the
/// public ports of the protocol services, read from the same keys the services listen on.
/// </summary>
internal sealed class MailClientPorts(IConfiguration configuration, IOptions<FacteurOptions> facteur)
{
    public string Hostname => facteur.Value.Hostname;

    public IReadOnlyList<string> Domains => facteur.Value.Domains;

    public int Imap => Port("Imap:Port", 143);

    public int Imaps => Port("Imap:TlsPort", 993);

    public int Pop3 => Port("Pop3:Port", 110);

    public int Pop3s => Port("Pop3:TlsPort", 995);

    public int Submission => Port("Smtp:SubmissionPort", 587);

    public int Submissions => Port("Smtp:SubmissionsPort", 465);

    /// <summary>The domain of the address when it is one of ours, else the first local domain.</summary>
    public string DomainFor(string? address)
    {
        var at = address?.LastIndexOf('@') ?? -1;
        var domain = at >= 0 ? address![(at + 1)..].Trim().ToLowerInvariant() : null;
        return domain is not null && Domains.Contains(domain, StringComparer.OrdinalIgnoreCase) ? domain : Domains.FirstOrDefault() ?? Hostname;
    }

    private int Port(string key, int fallback) =>
        int.TryParse(configuration[key], out var port) && port is > 0 and <= 65535 ? port : fallback;
}
