using Facteur.Webmail.Auth;
using Facteur.Webmail.Imap;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace Facteur.Webmail.Mail;

/// <summary>Small shared steps of the pages: who is signed in, which folder, which message.</summary>
internal static class MailboxAccess
{
    public static MailAccount Account(HttpContext context) =>
        MailAccount.From(context.User) ?? throw new InvalidOperationException("no signed-in account");

    public static async Task<IMailFolder> OpenAsync(ImapClient client, string? name, FolderAccess access, CancellationToken cancellationToken)
    {
        var folder = string.IsNullOrEmpty(name) || name.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            ? client.Inbox
            : await client.GetFolderAsync(name, cancellationToken);
        if (!folder.IsOpen || folder.Access < access)
        {
            await folder.OpenAsync(access, cancellationToken);
        }

        return folder;
    }

    /// <summary>The message, or null when the UID is gone (deleted meanwhile, or never existed).</summary>
    public static async Task<MimeMessage?> GetMessageAsync(IMailFolder folder, uint uid, CancellationToken cancellationToken)
    {
        try
        {
            return await folder.GetMessageAsync(new UniqueId(uid), cancellationToken);
        }
        catch (MessageNotFoundException)
        {
            return null;
        }
        catch (ImapCommandException)
        {
            return null;
        }
    }

    /// <summary>Runs an IMAP step on the session's pooled connection, dropping the connection if the step broke it.</summary>
    public static async Task<T> WithImapAsync<T>(this ImapSessionPool pool, HttpContext context, Func<ImapClient, Task<T>> step)
    {
        using var lease = await pool.LeaseAsync(Account(context), context.RequestAborted);
        try
        {
            return await step(lease.Client);
        }
        catch (Exception e) when (e is IOException or ImapProtocolException or OperationCanceledException or ServiceNotConnectedException)
        {
            lease.Broken();
            throw;
        }
    }
}
