using System.Collections.Concurrent;

namespace Facteur.Hosting;

/// <summary>
/// In one process (standalone), the messages the gateway has handed to the in-memory bus that
/// delivery has not started on yet, and the sessions waiting for that backlog to shrink
/// (<c>Smtp:InFlowDelay</c>, after Postfix's <c>in_flow_delay</c>). Without it the gateway accepts
/// faster than delivery writes and every later message waits behind the growing backlog.
/// Tracked by queue id, so a retried or redelivered message is counted once; a message whose
/// publish was never confirmed stops counting there (the gateway calls <see cref="Started"/> for it).
/// Each start hands one "token" to the longest-waiting session, so sessions are admitted at
/// delivery's rate while delivery is behind.
/// </summary>
public sealed class DeliveryBacklog
{
    private readonly ConcurrentDictionary<string, byte> waiting = new(StringComparer.Ordinal);
    private readonly Queue<TaskCompletionSource> sessions = new();
    private readonly Lock gate = new();
    private int lastLimit = int.MaxValue;

    /// <summary>Published and not yet started by delivery.</summary>
    public int Count => waiting.Count;

    /// <summary>Sessions waiting for delivery to start on something.</summary>
    public int WaitingSessions
    {
        get
        {
            lock (gate)
            {
                return sessions.Count(s => !s.Task.IsCompleted);
            }
        }
    }

    /// <summary>The gateway handed the message to the in-process bus.</summary>
    public void Published(string queueId) => waiting.TryAdd(queueId, 0);

    /// <summary>Delivery began on the message (or the publish failed): one waiting session may go on.</summary>
    public void Started(string queueId)
    {
        if (!waiting.TryRemove(queueId, out _))
        {
            return;
        }

        // One session per start; while fewer than the limit wait, as many as fit (the sessions
        // admitted so far add to the backlog only once their messages are in).
        List<TaskCompletionSource>? admitted = null;
        lock (gate)
        {
            var room = Math.Max(1, lastLimit - waiting.Count);
            while (room > 0 && sessions.TryDequeue(out var candidate))
            {
                // A session whose wait already ended (timeout, cancellation) is skipped.
                if (!candidate.Task.IsCompleted)
                {
                    (admitted ??= []).Add(candidate);
                    room--;
                }
            }
        }

        foreach (var session in admitted ?? [])
        {
            session.TrySetResult();
        }
    }

    /// <summary>
    /// Returns at once while fewer than <paramref name="limit"/> messages wait for delivery and no
    /// other session is queued; otherwise waits for a start, at most <paramref name="maxDelay"/>.
    /// Never fails for the backlog: after the delay the caller goes on.
    /// </summary>
    public async ValueTask<DeliveryBacklogWait> WaitForRoomAsync(int limit, TimeSpan maxDelay, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (maxDelay <= TimeSpan.Zero)
        {
            return DeliveryBacklogWait.None;
        }

        TaskCompletionSource token;
        lock (gate)
        {
            lastLimit = limit;
            while (sessions.TryPeek(out var head) && head.Task.IsCompleted)
            {
                sessions.Dequeue();
            }

            if (waiting.Count < limit && sessions.Count == 0)
            {
                return DeliveryBacklogWait.None;
            }

            token = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sessions.Enqueue(token);
        }

        try
        {
            await token.Task.WaitAsync(maxDelay, cancellationToken).ConfigureAwait(false);
            return DeliveryBacklogWait.Admitted;
        }
        catch (TimeoutException)
        {
            // Postfix's rule: after the delay the message is accepted anyway; a client is never
            // refused, and never kept anywhere near RFC 5321 §4.5.3.2's timeouts, for the backlog.
            token.TrySetCanceled(CancellationToken.None);
            return DeliveryBacklogWait.DelayElapsed;
        }
        catch (OperationCanceledException)
        {
            token.TrySetCanceled(CancellationToken.None);
            throw;
        }
    }
}

/// <summary>How a <see cref="DeliveryBacklog.WaitForRoomAsync"/> ended.</summary>
public enum DeliveryBacklogWait
{
    /// <summary>Delivery was not behind: no wait.</summary>
    None,

    /// <summary>Waited until delivery started a message.</summary>
    Admitted,

    /// <summary>Waited the whole delay; going on anyway.</summary>
    DelayElapsed,
}
