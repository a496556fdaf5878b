namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>The multi-line transfer shared by RETR and TOP.</summary>
internal static class MessageTransfer
{
    /// <returns>True when the whole response was sent; false after an -ERR (message gone).</returns>
    public static async ValueTask<bool> SendAsync(Pop3Session session, Pop3Message message, int? bodyLines, string status, CancellationToken cancellationToken)
    {
        var maildrop = session.Maildrop!;
        var stream = maildrop.Folder.OpenRead(message.Message);
        if (stream is null)
        {
            // Expunged by another client (IMAP) since login.
            await session.Reply.ErrAsync(null, $"Message {message.Number} was removed by another session.", cancellationToken).ConfigureAwait(false);
            return false;
        }

        await using (stream.ConfigureAwait(false))
        {
            session.Reply.BeginMultiLine(status);
            var octets = await MessageContentWriter.WriteAsync(stream, session.Reply.Writer, bodyLines, cancellationToken).ConfigureAwait(false);
            await session.Reply.EndMultiLineAsync(cancellationToken).ConfigureAwait(false);
            session.Services.Telemetry.BytesSent.Add(octets);
        }

        return true;
    }
}
