using System.Globalization;
using Facteur.Webmail.Localization;
using MimeKit;

namespace Facteur.Webmail.Mail;

/// <summary>
/// Prefills a reply, reply-all or forward from the original (RFC 5322 §3.6.4: In-Reply-To and
/// References), and builds the outgoing message from the form.
/// </summary>
internal static class Composer
{
    public static string ReplySubject(string? subject) =>
        subject is not null && subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? subject : "Re: " + subject;

    public static string ForwardSubject(string? subject) =>
        subject is not null && (subject.StartsWith("Fwd:", StringComparison.OrdinalIgnoreCase) || subject.StartsWith("Tr:", StringComparison.OrdinalIgnoreCase)) ? subject : "Fwd: " + subject;

    /// <summary>Reply goes to Reply-To (else From); reply-all adds To and Cc, never the user's own address.</summary>
    public static (InternetAddressList To, InternetAddressList Cc) ReplyRecipients(MimeMessage original, string self, bool all)
    {
        var to = new InternetAddressList();
        to.AddRange(original.ReplyTo.Count > 0 ? original.ReplyTo.Mailboxes : original.From.Mailboxes);
        var cc = new InternetAddressList();
        if (all)
        {
            to.AddRange(original.To.Mailboxes);
            cc.AddRange(original.Cc.Mailboxes);
        }

        return (Distinct(to, self, null), Distinct(cc, self, to));
    }

    public static string PlainText(MimeMessage message)
    {
        if (message.TextBody is { } text)
        {
            return text;
        }

        return message.HtmlBody is { } html ? new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).Body?.TextContent ?? string.Empty : string.Empty;
    }

    public static string Quote(MimeMessage original, Texts texts)
    {
        var sender = original.From.Mailboxes.FirstOrDefault();
        var intro = texts.Format("Wrote", original.Date.ToLocalTime().ToString("g", CultureInfo.CurrentCulture), sender?.Name is { Length: > 0 } name ? name : sender?.Address);
        var lines = PlainText(original).ReplaceLineEndings("\n").TrimEnd().Split('\n').Select(line => line.StartsWith('>') ? ">" + line : "> " + line);
        return "\n\n" + intro + "\n" + string.Join("\n", lines) + "\n";
    }

    public static string ForwardBlock(MimeMessage original, Texts texts) =>
        "\n\n" + texts["OriginalMessage"] + "\n"
        + texts["Subject"] + ": " + original.Subject + "\n"
        + texts["Date"] + ": " + original.Date.ToLocalTime().ToString("F", CultureInfo.CurrentCulture) + "\n"
        + texts["From"] + ": " + original.From + "\n"
        + texts["To"] + ": " + original.To + "\n"
        + (original.Cc.Count > 0 ? texts["Cc"] + ": " + original.Cc + "\n" : string.Empty)
        + "\n" + PlainText(original);

    /// <summary>Parses a comma- or semicolon-separated address field; the invalid pieces are returned for the error message.</summary>
    public static InternetAddressList ParseAddresses(string? field, List<string> invalid)
    {
        var list = new InternetAddressList();
        if (string.IsNullOrWhiteSpace(field))
        {
            return list;
        }

        if (InternetAddressList.TryParse(field.Replace(';', ','), out var parsed) && parsed.Mailboxes.All(IsValid))
        {
            list.AddRange(parsed.Mailboxes);
            return list;
        }

        foreach (var piece in field.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (MailboxAddress.TryParse(piece, out var mailbox) && IsValid(mailbox))
            {
                list.Add(mailbox);
            }
            else
            {
                invalid.Add(piece);
            }
        }

        return list;
    }

    private static bool IsValid(MailboxAddress mailbox)
    {
        var at = mailbox.Address.LastIndexOf('@');
        return at > 0 && at < mailbox.Address.Length - 1 && !mailbox.Address.Any(char.IsWhiteSpace)
            && mailbox.Address[(at + 1)..].Contains('.') is var dotted && (dotted || mailbox.Address.EndsWith("@localhost", StringComparison.OrdinalIgnoreCase));
    }

    private static InternetAddressList Distinct(InternetAddressList list, string self, InternetAddressList? already)
    {
        var result = new InternetAddressList();
        foreach (var mailbox in list.Mailboxes)
        {
            if (mailbox.Address.Equals(self, StringComparison.OrdinalIgnoreCase)
                || result.Mailboxes.Any(m => m.Address.Equals(mailbox.Address, StringComparison.OrdinalIgnoreCase))
                || (already is not null && already.Mailboxes.Any(m => m.Address.Equals(mailbox.Address, StringComparison.OrdinalIgnoreCase))))
            {
                continue;
            }

            result.Add(mailbox);
        }

        return result;
    }
}
