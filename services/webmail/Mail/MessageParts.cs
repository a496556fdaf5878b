using MimeKit;

namespace Facteur.Webmail.Mail;

/// <summary>
/// Addresses the parts of a message by a dotted path of indexes into <see cref="MimeMessage.BodyParts"/>,
/// descending into attached messages (message/rfc822): "3" is the 4th part, "3.1" the 2nd part of
/// the message attached as part 3. Paths come from the query string and are checked here.
/// </summary>
internal static class MessageParts
{
    public static MimeMessage? ResolveMessage(MimeMessage message, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return message;
        }

        return Resolve(message, path) is MessagePart { Message: { } inner } ? inner : null;
    }

    public static MimeEntity? Resolve(MimeMessage message, string path)
    {
        MimeMessage current = message;
        MimeEntity? entity = null;
        var steps = path.Split('.');
        if (steps.Length > 8)
        {
            return null;
        }

        for (var i = 0; i < steps.Length; i++)
        {
            if (!int.TryParse(steps[i], out var index) || index < 0)
            {
                return null;
            }

            entity = current.BodyParts.ElementAtOrDefault(index);
            if (entity is null)
            {
                return null;
            }

            if (i < steps.Length - 1)
            {
                if (entity is not MessagePart { Message: { } inner })
                {
                    return null;
                }

                current = inner;
            }
        }

        return entity;
    }

    /// <summary>The attachments of a message with their path, for listing and download links.</summary>
    public static IReadOnlyList<AttachmentInfo> Attachments(MimeMessage message, string? prefix)
    {
        var list = new List<AttachmentInfo>();
        var index = 0;
        foreach (var part in message.BodyParts)
        {
            var path = string.IsNullOrEmpty(prefix) ? index.ToString() : prefix + "." + index;
            var isAttachment = part.IsAttachment || part is MessagePart
                || (part is MimePart mime && mime.ContentId is null && !part.ContentType.IsMimeType("text", "plain") && !part.ContentType.IsMimeType("text", "html"));
            if (isAttachment)
            {
                list.Add(new AttachmentInfo(path, FileName(part, index), part.ContentType.MimeType, Size(part), part is MessagePart));
            }

            index++;
        }

        return list;
    }

    public static string FileName(MimeEntity part, int index) =>
        part switch
        {
            MimePart { FileName: { Length: > 0 } name } => name,
            MessagePart { Message.Subject: { Length: > 0 } subject } => subject + ".eml",
            MessagePart => $"message-{index}.eml",
            _ => $"part-{index}",
        };

    public static long Size(MimeEntity part)
    {
        using var counter = new MimeKit.IO.MeasuringStream();
        if (part is MimePart { Content: not null } mime)
        {
            mime.Content.DecodeTo(counter);
        }
        else if (part is MessagePart { Message: not null } rfc822)
        {
            rfc822.Message.WriteTo(counter);
        }

        return counter.Length;
    }
}

internal sealed record AttachmentInfo(string Path, string FileName, string MimeType, long Size, bool IsMessage);
