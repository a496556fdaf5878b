namespace Facteur.SmtpGateway.Session;

/// <summary>
/// A protocol violation: the session cannot go on safely (the client is out of step or hostile).
/// The session writes <see cref="Reply"/> (a 421), flushes and closes. Rejected commands, by
/// contrast, are just replies and the session continues.
/// </summary>
internal sealed class SmtpProtocolViolationException(SmtpReply reply, string reason) : Exception(reason)
{
    public SmtpReply Reply { get; } = reply;
}
