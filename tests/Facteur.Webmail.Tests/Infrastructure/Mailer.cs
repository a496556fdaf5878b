using Facteur.IntegrationTests.Infrastructure;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>Puts mail into the stack over SMTP and reads mailboxes over IMAP, with MailKit, as any other client would.</summary>
internal static class Mailer
{
    public static async Task SendAsync(MailStack stack, MimeMessage message)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", stack.Site.SmtpPort, SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    public static async Task<ImapClient> ImapAsync(MailStack stack, string address)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", stack.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync(address, TestSite.Password);
        return imap;
    }

    /// <summary>Waits until the folder holds a message with that subject (delivery is asynchronous).</summary>
    public static async Task<MimeMessage?> WaitForSubjectAsync(MailStack stack, string address, string folderName, string subject, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using (var imap = await ImapAsync(stack, address))
            {
                var folder = folderName == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(folderName);
                await folder.OpenAsync(MailKit.FolderAccess.ReadOnly);
                var found = await folder.SearchAsync(MailKit.Search.SearchQuery.SubjectContains(subject));
                if (found.Count > 0)
                {
                    return await folder.GetMessageAsync(found[^1]);
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Appends messages straight into a folder over IMAP (quicker than SMTP for a hundred of them); returns their UIDs.</summary>
    public static async Task<IList<MailKit.UniqueId>> AppendAsync(MailStack stack, string address, string folderName, IEnumerable<MimeMessage> messages, MailKit.MessageFlags flags = MailKit.MessageFlags.None)
    {
        using var imap = await ImapAsync(stack, address);
        var folder = folderName == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(folderName);
        var uids = new List<MailKit.UniqueId>();
        foreach (var message in messages)
        {
            if (await folder.AppendAsync(new MailKit.AppendRequest(message, flags)) is { } uid)
            {
                uids.Add(uid);
            }
        }

        await imap.DisconnectAsync(true);
        return uids;
    }

    public static MimeMessage Message(string from, string to, string subject, string text, string? cc = null, (string Name, byte[] Content)? attachment = null, string? html = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        if (cc is not null)
        {
            message.Cc.Add(MailboxAddress.Parse(cc));
        }

        message.Subject = subject;
        var body = new BodyBuilder { TextBody = text };
        if (html is not null)
        {
            body.HtmlBody = html;
        }

        if (attachment is { } file)
        {
            body.Attachments.Add(file.Name, file.Content, new ContentType("text", "plain"));
        }

        message.Body = body.ToMessageBody();
        return message;
    }
}
