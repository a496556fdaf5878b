namespace Facteur.MailStore.Index;

/// <summary>
/// The ENVELOPE fields of a message (RFC 3501 §7.4.2): date, subject, in-reply-to and message-id are
/// the raw header values (unfolded, not decoded) or null when absent; address lists are parsed.
/// Per the RFC, an absent Sender or Reply-To is reported as From: <see cref="Sender"/> and
/// <see cref="ReplyTo"/> already hold From's addresses in that case.
/// </summary>
public sealed record MessageEnvelope(
    string? Date,
    string? Subject,
    IReadOnlyList<EnvelopeAddress> From,
    IReadOnlyList<EnvelopeAddress> Sender,
    IReadOnlyList<EnvelopeAddress> ReplyTo,
    IReadOnlyList<EnvelopeAddress> To,
    IReadOnlyList<EnvelopeAddress> Cc,
    IReadOnlyList<EnvelopeAddress> Bcc,
    string? InReplyTo,
    string? MessageId);
