using System.Text;
using MimeKit;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>ENVELOPE (RFC 3501 §7.4.2): header values as they are in the message (encoded words left encoded, as Dovecot does).</summary>
internal static class EnvelopeWriter
{
    private const string MissingDomain = "MISSING_DOMAIN";

    /// <summary>The fields ENVELOPE shows, in the order of <see cref="Write(ImapResponseBuilder, string?[])"/>.</summary>
    private static readonly string[] Fields = ["Date", "Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "In-Reply-To", "Message-ID"];

    public static void Write(ImapResponseBuilder builder, HeaderList headers)
    {
        var values = new string?[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            values[i] = Raw(headers, Fields[i]);
        }

        Write(builder, values);
    }

    /// <summary>
    /// Writes the ENVELOPE of a header block given as octets without MimeKit's header parse (a first
    /// ENVELOPE FETCH of a whole folder spent a tenth of its time there): the first field of each name,
    /// as <see cref="Raw(HeaderList, string)"/> reads it. False, with nothing written, when the block is
    /// not plain (<see cref="HeaderFieldReader.Odd"/>): the caller then parses it with MimeKit.
    /// </summary>
    public static bool TryWrite(ImapResponseBuilder builder, ReadOnlySpan<byte> header)
    {
        var values = new string?[Fields.Length];
        var seen = new bool[Fields.Length];
        var reader = new HeaderFieldReader(header);
        while (reader.Next())
        {
            for (var i = 0; i < Fields.Length; i++)
            {
                if (!seen[i] && reader.Name.Length == Fields[i].Length && System.Text.Ascii.EqualsIgnoreCase(reader.Name, Fields[i]))
                {
                    // The first field of the name counts, even when empty (HeaderList.IndexOf finds it).
                    seen[i] = true;
                    values[i] = Clean(Encoding.UTF8.GetString(reader.Value));
                    break;
                }
            }
        }

        if (reader.Odd)
        {
            return false;
        }

        Write(builder, values);
        return true;
    }

    private static void Write(ImapResponseBuilder builder, string?[] values)
    {
        builder.Raw("(");
        builder.NString(values[0]).Raw(" ");
        builder.NString(values[1]).Raw(" ");
        // Sender and Reply-To default to From (RFC 3501 §7.4.2; nearly every message): its address list
        // is parsed once and its octets repeated, not parsed three times.
        var fromStart = builder.Written.Length;
        Addresses(builder, values[2]);
        var from = values[3] is null || values[4] is null ? builder.Written[fromStart..].ToArray() : null;
        builder.Raw(" ");
        AddressesOr(builder, values[3], from);
        builder.Raw(" ");
        AddressesOr(builder, values[4], from);
        for (var i = 5; i <= 7; i++)
        {
            builder.Raw(" ");
            Addresses(builder, values[i]);
        }

        builder.Raw(" ");
        builder.NString(values[8]).Raw(" ");
        builder.NString(values[9]).Raw(")");
    }

    /// <summary>The unfolded raw value of the first such header, or null.</summary>
    public static string? Raw(HeaderList headers, string field)
    {
        var index = headers.IndexOf(field);
        if (index < 0)
        {
            return null;
        }

        return Clean(Encoding.UTF8.GetString(headers[index].RawValue));
    }

    /// <summary>A raw value unfolded (line ends dropped) and trimmed; null when nothing is left.</summary>
    private static string? Clean(string text)
    {
        text = text.Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
        return text.Length == 0 ? null : text;
    }

    private static void AddressesOr(ImapResponseBuilder builder, string? value, byte[]? fallback)
    {
        if (value is null)
        {
            builder.Raw(fallback);
        }
        else
        {
            Addresses(builder, value);
        }
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
