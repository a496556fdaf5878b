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

    /// <summary>
    /// Selects the folder unless the pooled connection has it selected already. With
    /// <paramref name="refresh"/> an already selected folder gets a NOOP, so the server reports the
    /// mail that arrived and the messages expunged since the last request (RFC 9051 §6.1.2) and
    /// the folder's count is current.
    /// </summary>
    public static async Task<IMailFolder> OpenAsync(ImapClient client, string? name, FolderAccess access, CancellationToken cancellationToken, bool refresh = false)
    {
        var folder = string.IsNullOrEmpty(name) || name.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
            ? client.Inbox
            : await client.GetFolderAsync(name, cancellationToken);
        if (!folder.IsOpen || folder.Access < access)
        {
            await folder.OpenAsync(access, cancellationToken);
        }
        else if (refresh)
        {
            await client.NoOpAsync(cancellationToken);
        }

        return folder;
    }

    /// <summary>The message, from the session's cache when it is the one opened last (read page → HTML frame → attachment).</summary>
    public static async Task<MimeMessage?> GetMessageAsync(ImapLease lease, IMailFolder folder, uint uid, CancellationToken cancellationToken)
    {
        if (lease.Cache.Message(folder.FullName, folder.UidValidity, uid) is { } kept)
        {
            return kept;
        }

        var message = await GetMessageAsync(folder, uid, cancellationToken);
        if (message is not null)
        {
            using var measure = new MimeKit.IO.MeasuringStream();
            await message.WriteToAsync(measure, cancellationToken);
            lease.Cache.KeepMessage(folder.FullName, folder.UidValidity, uid, message, measure.Length);
        }

        return message;
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
    public static Task<T> WithImapAsync<T>(this ImapSessionPool pool, HttpContext context, Func<ImapClient, Task<T>> step) =>
        pool.WithSessionAsync(context, lease => step(lease.Client));

    /// <summary>
    /// Runs a step with the session's lease (connection and cache). A POST may change counts,
    /// names or messages, so after one the cached folder list and message are forgotten.
    /// </summary>
    public static async Task<T> WithSessionAsync<T>(this ImapSessionPool pool, HttpContext context, Func<ImapLease, Task<T>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var lease = await pool.LeaseAsync(Account(context), context.RequestAborted);
            try
            {
                return await step(lease);
            }
            catch (Exception e) when (e is IOException or ImapProtocolException or ServiceNotConnectedException
                && attempt == 1 && !HttpMethods.IsPost(context.Request.Method) && !context.RequestAborted.IsCancellationRequested)
            {
                // The server closed a pooled connection: restarted, or said BYE because the folder this
                // connection had selected was renamed or deleted through another one (another replica of
                // the same session). A page view is safe to ask again, on a new connection.
                lease.Broken();
            }
            catch (Exception e) when (e is IOException or ImapProtocolException or OperationCanceledException or ServiceNotConnectedException)
            {
                lease.Broken();
                throw;
            }
            finally
            {
                if (HttpMethods.IsPost(context.Request.Method))
                {
                    lease.Cache.ForgetFolders();
                    lease.Cache.ForgetMessage();
                }
            }
        }
    }
}
