using System.Collections.Concurrent;
using Facteur.SmtpGateway.Intake;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

/// <summary>
/// Test double for the intake (the spool + publish side, built on another branch): keeps committed
/// messages in memory and counts discarded ones. Can be told to fail like a broker that is down.
/// </summary>
internal sealed class MemoryMailIntake : IMailIntake
{
    private int begun;
    private int discarded;

    public ConcurrentQueue<(Envelope Envelope, byte[] Content)> Committed { get; } = new();

    /// <summary>Throw <see cref="MailIntakeUnavailableException"/> from CommitAsync.</summary>
    public bool FailCommit { get; set; }

    public int Begun => Volatile.Read(ref begun);

    public int Discarded => Volatile.Read(ref discarded);

    /// <summary>Activity.Current seen inside CommitAsync (for the telemetry test).</summary>
    public System.Diagnostics.Activity? ActivityAtCommit { get; private set; }

    public ValueTask<ISpooledMessage> BeginAsync(string queueId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref begun);
        return ValueTask.FromResult<ISpooledMessage>(new Spooled(queueId, this));
    }

    public ValueTask CommitAsync(Envelope envelope, ISpooledMessage message, CancellationToken cancellationToken)
    {
        ActivityAtCommit = System.Diagnostics.Activity.Current;
        if (FailCommit)
        {
            throw new MailIntakeUnavailableException("broker down (test)");
        }

        var spooled = (Spooled)message;
        spooled.IsCommitted = true;
        Committed.Enqueue((envelope, spooled.Buffer.ToArray()));
        return ValueTask.CompletedTask;
    }

    private sealed class Spooled(string queueId, MemoryMailIntake owner) : ISpooledMessage
    {
        public MemoryStream Buffer { get; } = new();

        public bool IsCommitted { get; set; }

        public string QueueId { get; } = queueId;

        public Stream Content => Buffer;

        public ValueTask DisposeAsync()
        {
            if (!IsCommitted)
            {
                Interlocked.Increment(ref owner.discarded);
            }

            return ValueTask.CompletedTask;
        }
    }
}
