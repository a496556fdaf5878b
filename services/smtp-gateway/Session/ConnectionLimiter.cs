using System.Net;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Session;

/// <summary>Counts open sessions per client address (the real one, after PROXY).</summary>
internal sealed class ConnectionLimiter(IOptions<SmtpOptions> options)
{
    private readonly Dictionary<IPAddress, int> open = [];
    private readonly int max = options.Value.MaxConnectionsPerIp;

    public bool TryAcquire(IPAddress address)
    {
        lock (open)
        {
            open.TryGetValue(address, out var count);
            if (count >= max)
            {
                return false;
            }

            open[address] = count + 1;
            return true;
        }
    }

    public void Release(IPAddress address)
    {
        lock (open)
        {
            if (open.TryGetValue(address, out var count))
            {
                if (count <= 1)
                {
                    open.Remove(address);
                }
                else
                {
                    open[address] = count - 1;
                }
            }
        }
    }
}
