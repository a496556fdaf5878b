using System.Net;

namespace Facteur.Hosting.ProxyProtocol;

/// <summary>What a PROXY protocol header says: the real client and the address it connected to, or nothing (UNKNOWN / LOCAL).</summary>
internal sealed record ProxyHeader(IPEndPoint? Source, IPEndPoint? Destination)
{
    public static ProxyHeader Local { get; } = new(null, null);
}
