using MimeKit;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) from the byte-exact MIME tree. Types, subtypes and
/// parameters keep the case and the (undecoded) form they have in the message, as Dovecot sends them
/// (<see cref="RawParameters"/>); a text part without a charset says us-ascii (RFC 2046 §4.1.2).
/// </summary>
internal static class BodyStructureWriter
{
    public static void Write(ImapResponseBuilder b, MimeNode node, bool extensible)
    {
        if (node.IsMultipart)
        {
            b.Raw("(");
            foreach (var child in node.Children)
            {
                Write(b, child, extensible);
            }

            b.Raw(" ").NString(node.ContentType.MediaSubtype);
            if (extensible)
            {
                b.Raw(" ");
                Parameters(b, TypeParameters(node));
                Extension(b, node);
            }

            b.Raw(")");
            return;
        }

        var type = node.ContentType;
        b.Raw("(").NString(type.MediaType).Raw(" ").NString(type.MediaSubtype).Raw(" ");
        Parameters(b, TypeParameters(node));

        b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-ID"));
        b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-Description"));
        b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-Transfer-Encoding") ?? "7bit");
        b.Raw(" ").Number(node.End - node.BodyStart);
        if (node.Message is { } message)
        {
            b.Raw(" ");
            EnvelopeWriter.Write(b, message.Headers);
            b.Raw(" ");
            Write(b, message, extensible);
            b.Raw(" ").Number(Lines(node));
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            b.Raw(" ").Number(Lines(node));
        }

        if (extensible)
        {
            b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-MD5"));
            Extension(b, node);
        }

        b.Raw(")");
    }

    /// <summary>The Content-Type's parameters as written; none when the header is missing or unusable (the default type is used then).</summary>
    private static List<(string Name, string Value)> TypeParameters(MimeNode node)
    {
        var raw = EnvelopeWriter.Raw(node.Headers, "Content-Type");
        var parameters = raw is not null && ContentType.TryParse(raw, out _) ? RawParameters.Parse(raw) : [];
        if (node.ContentType.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase) && !parameters.Any(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
        {
            parameters.Add(("charset", "us-ascii"));
        }

        return parameters;
    }

    private static int Lines(MimeNode node)
    {
        var count = 0;
        foreach (var octet in node.BodyBytes)
        {
            if (octet == (byte)'\n')
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>body-fld-dsp, body-fld-lang, body-fld-loc.</summary>
    private static void Extension(ImapResponseBuilder b, MimeNode node)
    {
        b.Raw(" ");
        if (EnvelopeWriter.Raw(node.Headers, "Content-Disposition") is { } value && ContentDisposition.TryParse(value, out var disposition))
        {
            b.Raw("(").NString(disposition.Disposition.ToLowerInvariant()).Raw(" ");
            Parameters(b, RawParameters.Parse(value));
            b.Raw(")");
        }
        else
        {
            b.Raw("NIL");
        }

        b.Raw(" ");
        Languages(b, EnvelopeWriter.Raw(node.Headers, "Content-Language"));
        b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-Location"));
    }

    /// <summary>body-fld-lang: the language tags of Content-Language (RFC 3282) as a list, as Dovecot sends them.</summary>
    private static void Languages(ImapResponseBuilder b, string? value)
    {
        var tags = value?.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (tags.Length == 0)
        {
            b.Raw("NIL");
            return;
        }

        b.Raw("(");
        for (var i = 0; i < tags.Length; i++)
        {
            b.Raw(i == 0 ? string.Empty : " ").NString(tags[i]);
        }

        b.Raw(")");
    }

    private static void Parameters(ImapResponseBuilder b, List<(string Name, string Value)> parameters)
    {
        if (parameters.Count == 0)
        {
            b.Raw("NIL");
            return;
        }

        b.Raw("(");
        var first = true;
        foreach (var (name, value) in parameters)
        {
            if (!first)
            {
                b.Raw(" ");
            }

            first = false;
            b.NString(name).Raw(" ").NString(value);
        }

        b.Raw(")");
    }
}
