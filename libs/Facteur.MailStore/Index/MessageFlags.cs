namespace Facteur.MailStore.Index;

/// <summary>
/// The IMAP system flags a message keeps in its Maildir file name (RFC 3501 §2.3.2). \Recent is
/// not stored (it is a per-session notion); <c>$Forwarded</c> and other keywords are in
/// <see cref="MessageRecord.Keywords"/>.
/// </summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}
