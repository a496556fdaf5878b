namespace Facteur.Hosting.Bus;

/// <summary>
/// Queue names. The publishers declare and bind these queues too (not only the consumers), so a
/// message published before its consumer ever started waits in its queue instead of being
/// dropped by an exchange with no binding.
/// </summary>
public static class FacteurQueues
{
    /// <summary><c>MailReceived</c> → local delivery (competing consumers).</summary>
    public const string Delivery = "delivery";

    /// <summary><c>RelayMail</c> → the outbound relay (consumed once the relay exists).</summary>
    public const string Relay = "relay";

    /// <summary>Bus header set on messages whose standalone spool entry delivery must delete when done.</summary>
    public const string SpoolHeader = "Facteur-Spool";

    /// <summary>
    /// Bus header set when a message is published again (spool recovery, or the gateway's re-publish
    /// after a lost publisher confirm): the consumer must check for earlier copies.
    /// </summary>
    public const string RedeliveryHeader = "Facteur-Redelivery";
}
