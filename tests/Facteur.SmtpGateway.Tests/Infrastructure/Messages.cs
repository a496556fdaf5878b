using MimeKit;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

internal static class Messages
{
    public static MimeMessage Simple(string from, string to, string subject = "Hello", string body = "Hello from the tests.\r\n.leading dot line\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>The bytes after our Received header (the message as the client sent it, unstuffed).</summary>
    public static string AfterReceived(byte[] content)
    {
        var text = System.Text.Encoding.UTF8.GetString(content);
        Assert.StartsWith("Received: from ", text);
        // The Received header is our first header; it ends at the first CRLF not followed by a tab.
        var i = 0;
        while (true)
        {
            i = text.IndexOf("\r\n", i, StringComparison.Ordinal) + 2;
            if (text[i] != '\t')
            {
                return text[i..];
            }
        }
    }
}
