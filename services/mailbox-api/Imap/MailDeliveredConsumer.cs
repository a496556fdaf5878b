using Facteur.Contracts;
using Facteur.MailStore.Index;
using MassTransit;

namespace Facteur.MailboxApi.Imap;

/// <summary>
/// Wakes IDLE sessions of this replica when the delivery workers report new mail (one folder, or a batch): the store
/// re-syncs the folder if a session has it open, and <see cref="MailFolder.WaitForChangeAsync"/> returns.
/// A copy delivered by this process was announced to the store already (the event is then a no-op).
/// Polling stays as the fallback when an event is lost.
/// </summary>
internal sealed class MailDeliveredConsumer(MessageStore store) : IConsumer<MailDelivered>, IConsumer<MailDeliveredBatch>
{
    public Task Consume(ConsumeContext<MailDelivered> context)
    {
        store.NotifyDelivered(context.Message.Mailbox, context.Message.Folder, context.Message.FileName);
        return Task.CompletedTask;
    }

    /// <summary>A delivery worker's batch: one entry per folder, each its newest copy.</summary>
    public Task Consume(ConsumeContext<MailDeliveredBatch> context)
    {
        foreach (var copy in context.Message.Copies)
        {
            store.NotifyDelivered(copy.Mailbox, copy.Folder, copy.FileName);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// One temporary (auto-delete, non-durable) queue per replica, so every replica sees every event:
/// a wake-up is worthless once the process that would use it is gone.
/// </summary>
internal sealed class MailDeliveredConsumerDefinition : ConsumerDefinition<MailDeliveredConsumer>
{
    /// <summary>Endpoint names with this prefix are temporary queues (the bus must not make them quorum queues).</summary>
    public const string EndpointPrefix = "imap-wake";

    public MailDeliveredConsumerDefinition()
    {
        var name = $"{EndpointPrefix}-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        EndpointName = name;
        Endpoint(e =>
        {
            e.Name = name;
            e.Temporary = true;
        });
    }
}
