using System.Buffers;
using Facteur.Accounts;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// RCPT (RFC 5321 §4.1.1.3). The relay decision lives here: a local address must resolve to a user
/// or alias (else 550 5.1.1, at RCPT rather than a later bounce), a remote one is accepted only in an
/// authenticated submission session (else 554 5.7.1 — no open relay, DESIGN.md promise 3).
/// </summary>
internal sealed class RcptCommand : ISmtpCommand
{
    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (!TryParse(arguments, out var parsed, out var error))
        {
            return session.Reject(error switch
            {
                SyntaxError.Path => new SmtpReply(501, "5.1.3", "Bad recipient address syntax"),
                SyntaxError.PathTooLong => new SmtpReply(501, "5.1.3", "Recipient address too long"),
                SyntaxError.Parameter => new SmtpReply(501, "5.5.4", "Bad RCPT parameter syntax"),
                _ => new SmtpReply(501, "5.5.4", "Syntax: RCPT TO:<address>"),
            });
        }

        // RFC 3461 §4.1/§4.2: DSN's NOTIFY and ORCPT are the only RCPT parameters we advertise.
        string? notify = null, orcpt = null;
        foreach (var parameter in parsed!.Parameters)
        {
            switch (parameter.Keyword)
            {
                case "NOTIFY" when notify is null:
                    notify = Inbound.DsnParameters.Notify(parameter.Value);
                    if (notify is null)
                    {
                        return session.Reject(new SmtpReply(501, "5.5.4", "Bad NOTIFY value"));
                    }

                    break;
                case "ORCPT" when orcpt is null:
                    orcpt = Inbound.DsnParameters.OriginalRecipient(parameter.Value);
                    if (orcpt is null)
                    {
                        return session.Reject(new SmtpReply(501, "5.5.4", "Bad ORCPT value"));
                    }

                    break;
                case "NOTIFY" or "ORCPT":
                    return session.Reject(new SmtpReply(501, "5.5.4", $"Duplicate RCPT parameter {parameter.Keyword}"));
                default:
                    return session.Reject(new SmtpReply(555, "5.5.4", $"Unsupported RCPT parameter {parameter.Keyword}"));
            }
        }

        var transaction = session.Transaction!;
        var dependencies = session.Dependencies;
        if (transaction.Recipients.Count >= session.Options.MaxRecipients)
        {
            dependencies.Telemetry.Rejected("too_many_recipients");
            return session.Reply(SmtpReplies.TooManyRecipients);
        }

        string recipient;
        if (parsed.IsPostmaster)
        {
            // RFC 5321 §4.5.1: postmaster without a domain is always accepted.
            recipient = await PostmasterAsync(dependencies, cancellationToken);
        }
        else
        {
            if (parsed.Address.IsInternationalized && !transaction.SmtpUtf8)
            {
                return session.Reject(new SmtpReply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8"));
            }

            recipient = parsed.Address.ToString();
            var resolution = await dependencies.Recipients.ResolveAsync(recipient, cancellationToken);
            switch (resolution.Kind)
            {
                case RecipientKind.Local:
                    break;
                case RecipientKind.UnknownLocalUser:
                    dependencies.Telemetry.Rejected("unknown_user");
                    SmtpLog.MessageRejected(dependencies.Logger, transaction.QueueId, session.Client, "unknown user");
                    return session.Reject(SmtpReplies.UnknownUser);
                default:
                    if (!session.MayRelay)
                    {
                        dependencies.Telemetry.Rejected("relay_denied");
                        SmtpLog.MessageRejected(dependencies.Logger, transaction.QueueId, session.Client, "relay denied");
                        return session.Reject(SmtpReplies.RelayDenied);
                    }

                    break;
            }
        }

        if (!transaction.Recipients.Contains(recipient))
        {
            transaction.Recipients.Add(recipient);
        }

        if (notify is not null)
        {
            transaction.DsnNotify[recipient] = notify;
        }

        if (orcpt is not null)
        {
            transaction.OriginalRecipients[recipient] = orcpt;
        }

        session.State = SmtpState.RecipientGiven;
        return session.Reply(SmtpReplies.RecipientOk);
    }

    /// <summary>The first local domain whose postmaster resolves (else the first local domain's).</summary>
    private static async ValueTask<string> PostmasterAsync(SmtpSessionDependencies dependencies, CancellationToken cancellationToken)
    {
        var domains = dependencies.Facteur.Domains;
        foreach (var domain in domains)
        {
            var address = "postmaster@" + domain.ToLowerInvariant();
            if ((await dependencies.Recipients.ResolveAsync(address, cancellationToken)).Kind == RecipientKind.Local)
            {
                return address;
            }
        }

        return "postmaster@" + (domains.FirstOrDefault() ?? dependencies.Facteur.Hostname).ToLowerInvariant();
    }

    private static bool TryParse(ReadOnlySequence<byte> arguments, out RcptToArguments? parsed, out SyntaxError error)
    {
        var reader = new SequenceReader<byte>(arguments);
        return RcptToParser.TryParse(ref reader, out parsed, out error);
    }
}
