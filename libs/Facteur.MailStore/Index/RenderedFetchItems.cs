namespace Facteur.MailStore.Index;

/// <summary>
/// FETCH items an IMAP server rendered from a message file (RFC 3501 §7.4.2: the ENVELOPE, BODY and
/// BODYSTRUCTURE values, in wire octets), kept in <c>facteur-cache</c> so a later FETCH of them does not
/// open the file. <paramref name="Format"/> names the renderer and its version: an entry written by
/// another format reads as a miss and is rendered again, never sent as it is.
/// </summary>
/// <param name="Format">The renderer's name and version ("imap 1").</param>
/// <param name="Envelope">ENVELOPE value octets.</param>
/// <param name="Body">BODY (non-extensible structure) value octets, or null when only the envelope was rendered.</param>
/// <param name="BodyStructure">BODYSTRUCTURE value octets, or null when only the envelope was rendered.</param>
public sealed record RenderedFetchItems(string Format, byte[] Envelope, byte[]? Body, byte[]? BodyStructure);
