namespace Facteur.MailStore.Index;

/// <summary>A parameter of Content-Type or Content-Disposition (name as written, value decoded per RFC 2231).</summary>
public sealed record BodyParameter(string Name, string Value);

/// <summary>
/// One node of a message's MIME tree: what BODYSTRUCTURE reports (RFC 3501 §7.4.2) and where
/// the part is in the file, so BODY[section] is served by seeking, never by loading the message.
/// </summary>
/// <param name="Type">Media type, lower case ("text", "multipart", "message").</param>
/// <param name="Subtype">Media subtype, lower case.</param>
/// <param name="Parameters">Content-Type parameters (for multipart: boundary, …).</param>
/// <param name="Id">Content-ID, raw.</param>
/// <param name="Description">Content-Description, raw.</param>
/// <param name="Encoding">Content-Transfer-Encoding as written (upper-cased by the server as it likes); null when absent (the RFC default 7BIT).</param>
/// <param name="Octets">Body size in octets as sent on the wire (line endings as CRLF).</param>
/// <param name="Lines">Body size in lines (text/* and message/rfc822).</param>
/// <param name="Md5">Content-MD5, raw.</param>
/// <param name="Disposition">Content-Disposition value ("inline", "attachment"), or null.</param>
/// <param name="DispositionParameters">Content-Disposition parameters.</param>
/// <param name="Language">Content-Language tags, or empty.</param>
/// <param name="Location">Content-Location, raw.</param>
/// <param name="Parts">Children of a multipart, in order; empty otherwise.</param>
/// <param name="Message">For message/rfc822 (and message/global): the nested message's envelope and structure.</param>
/// <param name="HeaderOffset">File offset where this part's header starts.</param>
/// <param name="BodyOffset">File offset where its body starts (after the blank line).</param>
/// <param name="EndOffset">File offset where its body ends.</param>
public sealed record BodyPart(
    string Type,
    string Subtype,
    IReadOnlyList<BodyParameter> Parameters,
    string? Id,
    string? Description,
    string? Encoding,
    long Octets,
    long Lines,
    string? Md5,
    string? Disposition,
    IReadOnlyList<BodyParameter> DispositionParameters,
    IReadOnlyList<string> Language,
    string? Location,
    IReadOnlyList<BodyPart> Parts,
    EmbeddedMessage? Message,
    long HeaderOffset,
    long BodyOffset,
    long EndOffset)
{
    public bool IsMultipart => Type == "multipart";

    public bool IsMessage => Message is not null;
}

/// <summary>The message inside a message/rfc822 part.</summary>
public sealed record EmbeddedMessage(MessageEnvelope Envelope, BodyPart Body);
