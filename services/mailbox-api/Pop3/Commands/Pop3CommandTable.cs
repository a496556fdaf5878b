using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>Maps each verb to its handler (handlers are stateless; session state lives in <see cref="Pop3Session"/>).</summary>
internal static class Pop3CommandTable
{
    private static readonly Dictionary<Pop3Verb, IPop3Command> Handlers = new()
    {
        [Pop3Verb.User] = new UserCommand(),
        [Pop3Verb.Pass] = new PassCommand(),
        [Pop3Verb.Auth] = new AuthCommand(),
        [Pop3Verb.Capa] = new CapaCommand(),
        [Pop3Verb.Stls] = new StlsCommand(),
        [Pop3Verb.Stat] = new StatCommand(),
        [Pop3Verb.List] = new ListCommand(),
        [Pop3Verb.Retr] = new RetrCommand(),
        [Pop3Verb.Dele] = new DeleCommand(),
        [Pop3Verb.Noop] = new NoopCommand(),
        [Pop3Verb.Rset] = new RsetCommand(),
        [Pop3Verb.Quit] = new QuitCommand(),
        [Pop3Verb.Top] = new TopCommand(),
        [Pop3Verb.Uidl] = new UidlCommand(),
    };

    public static IPop3Command? Find(Pop3Verb verb) => Handlers.GetValueOrDefault(verb);
}
