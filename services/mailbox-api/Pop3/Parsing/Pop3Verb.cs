namespace Facteur.MailboxApi.Pop3.Parsing;

/// <summary>The commands Facteur knows (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH). APOP is deliberately absent: only password hashes are stored.</summary>
internal enum Pop3Verb
{
    Unknown,
    User,
    Pass,
    Auth,
    Capa,
    Stls,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
}
