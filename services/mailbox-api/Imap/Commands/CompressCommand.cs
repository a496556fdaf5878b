namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>COMPRESS DEFLATE (RFC 4978 §3), in the authenticated and selected states.</summary>
internal static class CompressCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var mechanism = arguments.ReadAtom();
        arguments.ExpectEnd();
        if (!mechanism.Equals("DEFLATE", StringComparison.OrdinalIgnoreCase))
        {
            throw new Parsing.ImapParseException("Unknown compression mechanism");
        }

        if (session.Compressed)
        {
            throw new ImapNoException("Compression is already active.", "COMPRESSIONACTIVE");
        }

        return await session.StartCompressionAsync(request.Tag, cancellationToken).ConfigureAwait(false);
    }
}
