namespace Facteur.Contracts;

/// <summary>
/// Several <see cref="MailDelivered"/> in one message: what a delivery worker announced within one
/// <c>Delivery:AnnounceInterval</c>, one entry per folder (its newest copy). A busy MX delivers into many
/// mailboxes at once, and one event per folder would be one broker publish per message again. A batch of
/// one folder goes out as a plain <see cref="MailDelivered"/>, which replicas of earlier versions understand.
/// </summary>
public sealed record MailDeliveredBatch
{
    public required IReadOnlyList<MailDelivered> Copies { get; init; }
}
