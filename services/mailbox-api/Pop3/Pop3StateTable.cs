using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3;

/// <summary>Which commands each state allows (RFC 1939 §4–§7, RFC 2449, RFC 2595, RFC 5034).</summary>
internal static class Pop3StateTable
{
    private static readonly HashSet<Pop3Verb> Authorization = [Pop3Verb.User, Pop3Verb.Pass, Pop3Verb.Auth, Pop3Verb.Capa, Pop3Verb.Stls, Pop3Verb.Quit, Pop3Verb.Noop];

    private static readonly HashSet<Pop3Verb> Transaction = [Pop3Verb.Stat, Pop3Verb.List, Pop3Verb.Retr, Pop3Verb.Dele, Pop3Verb.Noop, Pop3Verb.Rset, Pop3Verb.Quit, Pop3Verb.Top, Pop3Verb.Uidl, Pop3Verb.Capa];

    public static bool IsAllowed(Pop3State state, Pop3Verb verb) => state switch
    {
        // NOOP before login is not in RFC 1939 but harmless; many servers accept it as a keep-alive.
        Pop3State.Authorization => Authorization.Contains(verb),
        Pop3State.Transaction => Transaction.Contains(verb),
        _ => false,
    };
}
