namespace Facteur.MailStore.Index;

/// <summary>
/// What FETCH ENVELOPE/BODYSTRUCTURE, SORT and THREAD need of a message, parsed once with
/// MimeKit and kept in the folder's cache file. Offsets in <see cref="Body"/> are byte offsets of
/// the file on disk (which may use bare LF line endings: the server converts when sending).
/// </summary>
/// <param name="Envelope">The ENVELOPE.</param>
/// <param name="Body">The BODYSTRUCTURE tree of the whole message (its HeaderOffset is 0).</param>
/// <param name="Sort">Header fields SORT and THREAD use.</param>
public sealed record MessageSummary(MessageEnvelope Envelope, BodyPart Body, SortFields Sort);

/// <summary>
/// Header fields for SORT and THREAD (RFC 5256).
/// </summary>
/// <param name="BaseSubject">The base subject (RFC 5256 §2.1), decoded, for SORT SUBJECT and THREAD.</param>
/// <param name="IsReplyOrForward">True when extracting the base subject removed a reply/forward marker (ORDEREDSUBJECT, §2.1 step 6).</param>
/// <param name="SentDate">The Date header parsed, or null when absent/invalid (SORT then uses the internal date, §2.2).</param>
/// <param name="FromMailbox">addr-mailbox of the first From address (SORT FROM).</param>
/// <param name="ToMailbox">addr-mailbox of the first To address (SORT TO).</param>
/// <param name="CcMailbox">addr-mailbox of the first Cc address (SORT CC).</param>
/// <param name="FromDisplay">Display name of the first From address, decoded, or its address (RFC 5957 DISPLAYFROM).</param>
/// <param name="ToDisplay">Display name of the first To address, decoded, or its address (RFC 5957 DISPLAYTO).</param>
/// <param name="MessageId">Message-ID without angle brackets, or null.</param>
/// <param name="InReplyTo">Message-IDs in In-Reply-To, without brackets.</param>
/// <param name="References">Message-IDs in References, in order, without brackets.</param>
public sealed record SortFields(
    string BaseSubject,
    bool IsReplyOrForward,
    DateTimeOffset? SentDate,
    string? FromMailbox,
    string? ToMailbox,
    string? CcMailbox,
    string? FromDisplay,
    string? ToDisplay,
    string? MessageId,
    IReadOnlyList<string> InReplyTo,
    IReadOnlyList<string> References);
