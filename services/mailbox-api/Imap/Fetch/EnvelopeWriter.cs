using System.Text;
using MimeKit;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>ENVELOPE (RFC 3501 §7.4.2): header values as they are in the message (encoded words left encoded, as Dovecot does).</summary>
internal static class EnvelopeWriter
{
    private const string MissingDomain = "MISSING_DOMAIN";

    public static void Write(ImapResponseBuilder builder, HeaderList headers)
    {
        builder.Raw("(");
        builder.NString(Raw(headers, "Date")).Raw(" ");
        builder.NString(Raw(headers, "Subject")).Raw(" ");
        var from = Raw(headers, "From");
        Addresses(builder, from);
        builder.Raw(" ");
        Addresses(builder, Raw(headers, "Sender") ?? from);
        builder.Raw(" ");
        Addresses(builder, Raw(headers, "Reply-To") ?? from);
        foreach (var field in (string[])["To", "Cc", "Bcc"])
        {
            builder.Raw(" ");
            Addresses(builder, Raw(headers, field));
        }

        builder.Raw(" ");
        builder.NString(Raw(headers, "In-Reply-To")).Raw(" ");
        builder.NString(Raw(headers, "Message-ID")).Raw(")");
    }

    /// <summary>The unfolded raw value of the first such header, or null.</summary>
    public static string? Raw(HeaderList headers, string field)
    {
        var index = headers.IndexOf(field);
        if (index < 0)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(headers[index].RawValue);
        text = text.Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
        return text.Length == 0 ? null : text;
    }

    private static void Addresses(ImapResponseBuilder builder, string? value)
    {
        if (value is null || !InternetAddressList.TryParse(ParserOptions.Default, value, out var list) || list.Count == 0)
        {
            builder.Raw("NIL");
            return;
        }

        builder.Raw("(");
        foreach (var address in list)
        {
            Address(builder, address);
        }

        builder.Raw(")");
    }

    private static void Address(ImapResponseBuilder builder, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                // addr-mailbox is the local part without its RFC 5322 quotes; addr-adl the source route ("@a,@b").
                // A NIL host means group syntax (RFC 3501 §7.4.2), so an address without a domain gets a
                // placeholder host, the one Dovecot sends.
                var at = mailbox.Address.LastIndexOf('@');
                var local = at < 0 ? mailbox.Address : mailbox.Address[..at];
                var route = mailbox.Route.Count == 0 ? null : string.Join(',', mailbox.Route.Select(domain => "@" + domain));
                builder.Raw("(").NString(string.IsNullOrEmpty(mailbox.Name) ? null : mailbox.Name).Raw(" ").NString(route).Raw(" ");
                builder.NString(MimeKit.Utils.MimeUtils.Unquote(local)).Raw(" ");
                builder.NString(at < 0 ? MissingDomain : mailbox.Address[(at + 1)..]).Raw(")");
                break;
            case GroupAddress group:
                // Group syntax (RFC 3501 §7.4.2): start marker with the group name, members, end marker.
                builder.Raw("(NIL NIL ").NString(group.Name).Raw(" NIL)");
                foreach (var member in group.Members)
                {
                    Address(builder, member);
                }

                builder.Raw("(NIL NIL NIL NIL)");
                break;
        }
    }
}
