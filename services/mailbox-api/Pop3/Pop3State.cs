namespace Facteur.MailboxApi.Pop3;

/// <summary>RFC 1939 §3 session states. UPDATE is entered only by QUIT in TRANSACTION.</summary>
internal enum Pop3State
{
    Authorization,
    Transaction,
    Update,
}
