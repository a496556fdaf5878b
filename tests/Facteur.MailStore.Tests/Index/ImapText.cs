using System.Globalization;
using System.Text;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// Renders summaries the way an IMAP server sends BODYSTRUCTURE and ENVELOPE (RFC 3501 §7.4.2), in
/// Dovecot's spelling, so the index can be compared with what Dovecot answers for the same file.
/// </summary>
internal static class ImapText
{
    public static string BodyStructure(BodyPart part)
    {
        var sb = new StringBuilder("(");
        if (part.IsMultipart)
        {
            foreach (var child in part.Parts)
            {
                sb.Append(BodyStructure(child));
            }

            sb.Append(' ').Append(Q(part.Subtype)).Append(' ').Append(Params(part.Parameters));
        }
        else
        {
            sb.Append(Q(part.Type)).Append(' ').Append(Q(part.Subtype)).Append(' ').Append(Params(part.Parameters))
                .Append(' ').Append(Q(part.Id)).Append(' ').Append(Q(part.Description)).Append(' ')
                .Append(Q(part.Encoding?.ToLowerInvariant() ?? "7bit")).Append(' ').Append(part.Octets.ToString(CultureInfo.InvariantCulture));
            if (part.Message is { } message)
            {
                sb.Append(' ').Append(Envelope(message.Envelope)).Append(' ').Append(BodyStructure(message.Body))
                    .Append(' ').Append(part.Lines.ToString(CultureInfo.InvariantCulture));
            }
            else if (part.Type == "text")
            {
                sb.Append(' ').Append(part.Lines.ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(' ').Append(Q(part.Md5));
        }

        sb.Append(' ').Append(part.Disposition is null ? "NIL" : $"({Q(part.Disposition)} {Params(part.DispositionParameters)})");
        sb.Append(' ').Append(part.Language.Count == 0 ? "NIL" : "(" + string.Join(' ', part.Language.Select(Q)) + ")");
        sb.Append(' ').Append(Q(part.Location)).Append(')');
        return sb.ToString();
    }

    public static string Envelope(MessageEnvelope e) =>
        $"({Q(e.Date)} {Q(e.Subject)} {Addresses(e.From)} {Addresses(e.Sender)} {Addresses(e.ReplyTo)} {Addresses(e.To)} {Addresses(e.Cc)} {Addresses(e.Bcc)} {Q(e.InReplyTo)} {Q(e.MessageId)})";

    private static string Addresses(IReadOnlyList<EnvelopeAddress> list) =>
        list.Count == 0 ? "NIL" : "(" + string.Concat(list.Select(a => $"({Q(a.Name)} {Q(a.Route)} {Q(a.Mailbox)} {Q(a.Host)})")) + ")";

    private static string Params(IReadOnlyList<BodyParameter> parameters) =>
        parameters.Count == 0 ? "NIL" : "(" + string.Join(' ', parameters.Select(p => $"{Q(p.Name)} {Q(p.Value)}")) + ")";

    private static string Q(string? value) =>
        value is null ? "NIL" : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
