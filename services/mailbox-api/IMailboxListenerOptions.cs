namespace Facteur.MailboxApi;

/// <summary>What <see cref="MailboxListeners"/> reads from <c>Imap:</c> and <c>Pop3:</c>.</summary>
internal interface IMailboxListenerOptions
{
    int Port { get; }

    int TlsPort { get; }

    bool ProxyProtocol { get; }

    TimeSpan ProxyProtocolTimeout { get; }
}
