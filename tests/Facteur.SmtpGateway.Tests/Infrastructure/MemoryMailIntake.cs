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

    /// <summary>Content writes past the first 1000 octets throw IOException (a spool disk filling up).</summary>
    public bool FailWrites { get; set; }

    /// <summary>BeginAsync throws MailIntakeUnavailableException.</summary>
    public bool FailBegin { get; set; }

    /// <summary>Count the octets instead of keeping them (large-message tests).</summary>
    public bool CountOnly { get; set; }

    /// <summary>Length of the last committed message when <see cref="CountOnly"/>.</summary>
    public long LastCountedLength { get; private set; }

    public int Begun => Volatile.Read(ref begun);

    public int Discarded => Volatile.Read(ref discarded);

    /// <summary>Activity.Current seen inside CommitAsync (for the telemetry test).</summary>
    public System.Diagnostics.Activity? ActivityAtCommit { get; private set; }

    public ValueTask<ISpooledMessage> BeginAsync(string queueId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref begun);
        if (FailBegin)
        {
            throw new MailIntakeUnavailableException("spool unavailable (test)");
        }

        return ValueTask.FromResult<ISpooledMessage>(new Spooled(queueId, this, FailWrites ? new BrokenStream() : CountOnly ? new CountingStream() : new MemoryStream()));
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
        LastCountedLength = spooled.Buffer.Length;
        Committed.Enqueue((envelope, spooled.Buffer is MemoryStream memory ? memory.ToArray() : []));
        return ValueTask.CompletedTask;
    }

    private sealed class Spooled(string queueId, MemoryMailIntake owner, Stream buffer) : ISpooledMessage
    {
        public Stream Buffer { get; } = buffer;

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

    /// <summary>A write-only stream that only counts.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Length + buffer.Length > 1000)
            {
                return ValueTask.FromException(new IOException("No space left on device (test)"));
            }

            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
