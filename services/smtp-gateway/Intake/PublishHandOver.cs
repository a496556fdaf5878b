namespace Facteur.SmtpGateway.Intake;

/// <summary>
/// The hand-overs of one message to a broker channel during one <see cref="MailIntake.PublishAsync"/>:
/// MassTransit calls the send callback each time it builds the message on a channel (each of our
/// attempts, and its own re-send after a broken connection), so the count says whether the broker
/// may hold the message. Once the caller has decided (confirmed, 451, or kept), the hand-over is
/// closed: a publish MassTransit still runs after its token was cancelled (it does not always give
/// up at once) is stopped in the callback, before anything reaches the broker, so a 451 that says
/// "never reached" stays true.
/// </summary>
internal sealed class PublishHandOver
{
    private readonly Lock gate = new();
    private int count;
    private bool closed;

    /// <summary>Called from the send callback: the number of this hand-over (1 for the first); throws once closed.</summary>
    public int Next()
    {
        lock (gate)
        {
            if (closed)
            {
                throw new OperationCanceledException("The publish was given up before this attempt reached the broker.");
            }

            return ++count;
        }
    }

    /// <summary>Closes; returns whether any attempt was handed to a channel.</summary>
    public bool Close()
    {
        lock (gate)
        {
            closed = true;
            return count > 0;
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return count;
            }
        }
    }
}
