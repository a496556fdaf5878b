using Microsoft.Extensions.Logging;

namespace Facteur.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(1, LogLevel.Information, "TLS certificate loaded from {Path}: {Subject}, valid until {NotAfter:u}, {ChainCount} intermediate(s)")]
    public static partial void CertificateLoaded(ILogger logger, string path, string subject, DateTime notAfter, int chainCount);

    [LoggerMessage(2, LogLevel.Warning, "TLS certificate {Path} expired on {NotAfter:u}: clients will refuse it")]
    public static partial void CertificateExpired(ILogger logger, string path, DateTime notAfter);

    [LoggerMessage(3, LogLevel.Warning, "No TLS certificate configured (Facteur:Tls:CertificatePath, Facteur:Tls:KeyPath): using a self-signed certificate for {Hostname} ({How}, {Path}, SHA-1 {Thumbprint}); clients will warn until you configure a real one")]
    public static partial void SelfSignedInUse(ILogger logger, string hostname, string how, string path, string thumbprint);

    [LoggerMessage(4, LogLevel.Warning, "Cannot keep the self-signed certificate under {Folder} ({Reason}); each start will present a new one")]
    public static partial void SelfSignedNotPersisted(ILogger logger, string folder, string reason);

    [LoggerMessage(5, LogLevel.Information, "Management endpoints (/healthz, /readyz, /metrics) on {ListenAddress} port {Port}")]
    public static partial void ManagementListening(ILogger logger, string listenAddress, int port);

    [LoggerMessage(6, LogLevel.Warning, "Connection {ConnectionId} from {Peer} closed: no valid PROXY protocol header")]
    public static partial void ProxyHeaderRejected(ILogger logger, string connectionId, string? peer);

    [LoggerMessage(7, LogLevel.Information, "{Name} listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string name, System.Net.IPEndPoint endPoint);

    [LoggerMessage(8, LogLevel.Information, "{Name} not listening on {EndPoint}: {Reason}")]
    public static partial void ListenAddressSkipped(ILogger logger, string name, System.Net.IPEndPoint endPoint, string reason);

    [LoggerMessage(9, LogLevel.Error, "Accepting connections on {EndPoint} failed; trying again in 1 s")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, System.Net.IPEndPoint endPoint);

    [LoggerMessage(10, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string connectionId);

    [LoggerMessage(11, LogLevel.Warning, "Shutdown went on with {Count} connection(s) still finishing")]
    public static partial void ConnectionsLeftOpen(ILogger logger, int count);
}
