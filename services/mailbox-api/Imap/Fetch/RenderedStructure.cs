using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// ENVELOPE, BODY and BODYSTRUCTURE as this server renders them from a message file, in the form kept in
/// the folder's cache (<see cref="RenderedFetchItems"/>): rendered once from the file, then served from the
/// cache byte for byte. Bump <see cref="Format"/> whenever <see cref="EnvelopeWriter"/>,
/// <see cref="BodyStructureWriter"/> or <see cref="MimeNode"/> change what they write, so entries cached
/// by an older build are rendered again instead of being sent as they are.
/// </summary>
internal static class RenderedStructure
{
    public const string Format = "imap 2";

    /// <summary>
    /// Renders ENVELOPE, and BODY and BODYSTRUCTURE unless <paramref name="envelopeOnly"/>: a header FETCH
    /// then parses only the top header. An envelope-only entry is rendered again in full the first time
    /// BODY or BODYSTRUCTURE is asked for.
    /// </summary>
    public static RenderedFetchItems Render(MessageData data, bool envelopeOnly = false)
    {
        var envelope = new ImapResponseBuilder();
        if (envelopeOnly)
        {
            if (!EnvelopeWriter.TryWrite(envelope, data.HeaderBytes))
            {
                EnvelopeWriter.Write(envelope, data.TopHeaders);
            }

            return new RenderedFetchItems(Format, envelope.Written.ToArray(), null, null);
        }

        EnvelopeWriter.Write(envelope, data.Root.Headers);

        var body = new ImapResponseBuilder();
        BodyStructureWriter.Write(body, data.Root, extensible: false);
        var structure = new ImapResponseBuilder();
        BodyStructureWriter.Write(structure, data.Root, extensible: true);
        return new RenderedFetchItems(Format, envelope.Written.ToArray(), body.Written.ToArray(), structure.Written.ToArray());
    }
}
