namespace Facteur.MailboxApi.Imap;

/// <summary>The connection states of RFC 3501 §3.</summary>
internal enum ImapState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
