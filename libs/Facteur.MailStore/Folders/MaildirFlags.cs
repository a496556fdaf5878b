namespace Facteur.MailStore.Folders;

/// <summary>
/// The system flags a Maildir file name carries after <c>:2,</c> (cr.yp.to/proto/maildir.html):
/// D(raft), F(lagged), P(assed), R(eplied), S(een), T(rashed). IMAP maps D, F, R, S and T to
/// \Draft, \Flagged, \Answered, \Seen and \Deleted; P has no IMAP flag. Dovecot does not map P to
/// <c>$Forwarded</c> either: that keyword is an ordinary a–z letter from <c>dovecot-keywords</c>.
/// </summary>
[Flags]
public enum MaildirFlags
{
    None = 0,
    Draft = 1,
    Flagged = 2,
    Passed = 4,
    Replied = 8,
    Seen = 16,
    Trashed = 32,
}
