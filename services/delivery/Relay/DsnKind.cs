namespace Facteur.Delivery.Relay;

/// <summary>RFC 3464 §2.3.3 Action of a DSN.</summary>
internal enum DsnKind
{
    Failed,
    Delayed,
}
