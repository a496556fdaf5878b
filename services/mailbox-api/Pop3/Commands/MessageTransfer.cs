using Facteur.MailStore.Index;
using Microsoft.Win32.SafeHandles;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>The multi-line transfer shared by RETR and TOP.</summary>
internal static class MessageTransfer
{
    /// <returns>True when the whole response was sent; false after an -ERR (message gone).</returns>
    public static async ValueTask<bool> SendAsync(Pop3Session session, Pop3Message message, int? bodyLines, string status, CancellationToken cancellationToken)
    {
        using var file = Open(session.Maildrop!, message);
        if (file is null)
        {
            // Expunged by another client (IMAP) since login.
            await session.Reply.ErrAsync(null, $"Message {message.Number} was removed by another session.", cancellationToken).ConfigureAwait(false);
            return false;
        }

        session.Reply.BeginMultiLine(status);
        var octets = await MessageContentWriter.WriteAsync(file, session.Reply.Writer, bodyLines, cancellationToken).ConfigureAwait(false);
        await session.Reply.EndMultiLineAsync(cancellationToken).ConfigureAwait(false);
        session.Services.Telemetry.BytesSent.Add(octets);
        return true;
    }

    /// <summary>
    /// Opens the file where it was at login — one open(2), no stat first — and only when it is not
    /// there any more (IMAP changed its flags, or expunged it) looks it up again by its key.
    /// </summary>
    private static SafeFileHandle? Open(Maildrop maildrop, Pop3Message message)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (MessageFileReader.OpenRead(maildrop.Folder.FullPath(message.Message)) is { } file)
            {
                return file;
            }

            if (maildrop.Folder.Locate(message.Message) is not { } moved)
            {
                return null;
            }

            message.Message = moved;
        }

        return null;
    }
}
