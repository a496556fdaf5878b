using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Facteur.Hosting;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// MAIL (RFC 5321 §4.1.1.2) with the parameters we advertise: SIZE (RFC 1870), BODY (RFC 6152;
/// BINARYMIME of RFC 3030 is not offered), SMTPUTF8 (RFC 6531), AUTH (RFC 4954 §5, accepted and
/// not trusted). Anything else is 555 5.5.4 (RFC 5321 §4.1.1.11).
/// </summary>
internal sealed class MailCommand : ISmtpCommand
{
    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (!TryParse(arguments, out var parsed, out var error))
        {
            return ValueTask.FromResult(session.Reject(error switch
            {
                SyntaxError.Path => new SmtpReply(501, "5.1.7", "Bad sender address syntax"),
                SyntaxError.PathTooLong => new SmtpReply(501, "5.1.7", "Sender address too long"),
                SyntaxError.Parameter => new SmtpReply(501, "5.5.4", "Bad MAIL parameter syntax"),
                _ => new SmtpReply(501, "5.5.4", "Syntax: MAIL FROM:<address>"),
            }));
        }

        if (session.Listener != SmtpListenerKind.Mx && session.AuthenticatedUser is null)
        {
            // RFC 6409 §4.3: submission requires authentication.
            return ValueTask.FromResult(session.Reject(SmtpReplies.AuthRequired));
        }

        var smtpUtf8 = false;
        string? ret = null, envid = null;
        var seen = new HashSet<string>();
        foreach (var parameter in parsed!.Parameters)
        {
            if (!seen.Add(parameter.Keyword))
            {
                return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", $"Duplicate MAIL parameter {parameter.Keyword}")));
            }

            switch (parameter.Keyword)
            {
                case "SIZE":
                    if (!long.TryParse(parameter.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var declared))
                    {
                        return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "Bad SIZE value")));
                    }

                    if (declared > session.Dependencies.Facteur.MaxMessageSize)
                    {
                        session.Dependencies.Telemetry.Rejected("size");
                        return ValueTask.FromResult(session.Reply(new SmtpReply(552, "5.3.4", "Message size exceeds fixed maximum message size")));
                    }

                    break;
                case "BODY":
                    switch (parameter.Value?.ToUpperInvariant())
                    {
                        case "7BIT" or "8BITMIME":
                            break;
                        case "BINARYMIME":
                            return ValueTask.FromResult(session.Reject(new SmtpReply(555, "5.5.4", "BODY=BINARYMIME is not supported")));
                        default:
                            return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "Bad BODY value")));
                    }

                    break;
                case "SMTPUTF8":
                    if (parameter.Value is not null)
                    {
                        return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "SMTPUTF8 takes no value")));
                    }

                    smtpUtf8 = true;
                    break;
                case "AUTH":
                    // RFC 4954 §5: the original submitter as claimed by a relaying client; we don't act on it.
                    if (parameter.Value is null)
                    {
                        return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "Bad AUTH value")));
                    }

                    break;
                case "RET":
                    ret = Inbound.DsnParameters.Ret(parameter.Value);
                    if (ret is null)
                    {
                        return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "Bad RET value (FULL or HDRS)")));
                    }

                    break;
                case "ENVID":
                    envid = Inbound.DsnParameters.EnvelopeId(parameter.Value);
                    if (envid is null)
                    {
                        return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", "Bad ENVID value")));
                    }

                    break;
                default:
                    return ValueTask.FromResult(session.Reject(new SmtpReply(555, "5.5.4", $"Unsupported MAIL parameter {parameter.Keyword}")));
            }
        }

        if (parsed.ReversePath is { IsInternationalized: true } && !smtpUtf8)
        {
            // RFC 6531 §3.5: a UTF-8 address needs SMTPUTF8 on MAIL.
            return ValueTask.FromResult(session.Reject(new SmtpReply(553, "5.6.7", "Non-ASCII sender address requires SMTPUTF8")));
        }

        var dependencies = session.Dependencies;
        if (dependencies.Backlog is { } backlog && dependencies.Options.InFlowDelay > TimeSpan.Zero)
        {
            return AfterInFlowDelayAsync(session, backlog, parsed, smtpUtf8, envid, ret, cancellationToken);
        }

        return ValueTask.FromResult(Accept(session, parsed, smtpUtf8, envid, ret));
    }

    /// <summary>
    /// While in-process delivery is behind, the MAIL reply waits (at most <c>Smtp:InFlowDelay</c>)
    /// for delivery to start on a message, as Postfix's smtpd does with <c>in_flow_delay</c>: the
    /// client sends at delivery's pace and what it sends is written soon after the 250.
    /// </summary>
    private static async ValueTask<CommandOutcome> AfterInFlowDelayAsync(
        SmtpSession session, DeliveryBacklog backlog, MailFromArguments parsed, bool smtpUtf8, string? envid, string? ret, CancellationToken cancellationToken)
    {
        var options = session.Dependencies.Options;
        var started = Stopwatch.GetTimestamp();
        var ended = await backlog.WaitForRoomAsync(options.InFlowBacklog, options.InFlowDelay, cancellationToken).ConfigureAwait(false);
        if (ended != DeliveryBacklogWait.None)
        {
            session.Dependencies.Telemetry.InFlowDelay.Record(
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                new KeyValuePair<string, object?>("outcome", ended == DeliveryBacklogWait.Admitted ? "admitted" : "delay_elapsed"));
        }

        return Accept(session, parsed, smtpUtf8, envid, ret);
    }

    private static CommandOutcome Accept(SmtpSession session, MailFromArguments parsed, bool smtpUtf8, string? envid, string? ret)
    {
        var dependencies = session.Dependencies;
        var queueId = QueueIdGenerator.Next(dependencies.Time);
        var activity = SmtpTelemetry.ActivitySource.StartActivity("smtp transaction", ActivityKind.Server);
        activity?.SetTag("facteur.queue_id", queueId);
        activity?.SetTag("client.address", session.Client.ToString());
        activity?.SetTag("facteur.smtp.listener", session.Listener.ToString());
        session.Transaction = new SmtpTransaction(queueId, parsed.ReversePath?.ToString() ?? "", smtpUtf8, activity)
        {
            EnvelopeId = envid,
            DsnReturn = ret,
        };
        session.State = SmtpState.MailGiven;
        return session.Reply(SmtpReplies.SenderOk);
    }

    private static bool TryParse(ReadOnlySequence<byte> arguments, out MailFromArguments? parsed, out SyntaxError error)
    {
        var reader = new SequenceReader<byte>(arguments);
        return MailFromParser.TryParse(ref reader, out parsed, out error);
    }
}
