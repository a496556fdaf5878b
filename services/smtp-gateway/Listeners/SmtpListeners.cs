using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Facteur.SmtpGateway;

/// <summary>
/// The Kestrel listen options of each SMTP listener, kept so that the bound endpoints can be read
/// after start (port 0 in tests, logs, the admin CLI's config check).
/// </summary>
internal sealed class SmtpListeners
{
    private readonly Dictionary<SmtpListenerKind, ListenOptions> listeners = [];

    public void Add(SmtpListenerKind kind, ListenOptions options)
    {
        lock (listeners)
        {
            listeners[kind] = options;
        }
    }

    /// <summary>The endpoint Kestrel bound (the real port once started, even when configured as 0).</summary>
    public IPEndPoint EndPoint(SmtpListenerKind kind)
    {
        lock (listeners)
        {
            return listeners[kind].IPEndPoint ?? throw new InvalidOperationException($"The {kind} listener has no IP endpoint");
        }
    }
}
