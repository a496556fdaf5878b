using MimeKit;

namespace Facteur.MailboxApi.Imap.Fetch;

/// <summary>
/// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) from the byte-exact MIME tree. Types, subtypes and
/// parameters keep the case they have in the message, as Dovecot sends them.
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
                Parameters(b, node.ContentType.Parameters);
                Extension(b, node);
            }

            b.Raw(")");
            return;
        }

        var type = node.ContentType;
        b.Raw("(").NString(type.MediaType).Raw(" ").NString(type.MediaSubtype).Raw(" ");
        var parameters = type.Parameters;
        if (parameters.Count == 0 && type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            b.Raw("(\"charset\" \"us-ascii\")");
        }
        else
        {
            Parameters(b, parameters);
        }

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
        if (node.Headers["Content-Disposition"] is { } value && ContentDisposition.TryParse(value, out var disposition))
        {
            b.Raw("(").NString(disposition.Disposition.ToLowerInvariant()).Raw(" ");
            Parameters(b, disposition.Parameters);
            b.Raw(")");
        }
        else
        {
            b.Raw("NIL");
        }

        b.Raw(" ");
        var language = EnvelopeWriter.Raw(node.Headers, "Content-Language");
        b.NString(language);
        b.Raw(" ").NString(EnvelopeWriter.Raw(node.Headers, "Content-Location"));
    }

    private static void Parameters(ImapResponseBuilder b, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            b.Raw("NIL");
            return;
        }

        b.Raw("(");
        var first = true;
        foreach (var parameter in parameters)
        {
            if (!first)
            {
                b.Raw(" ");
            }

            first = false;
            b.NString(parameter.Name).Raw(" ").NString(parameter.Value);
        }

        b.Raw(")");
    }
}
