using Facteur.SmtpGateway.Parsing;

namespace Facteur.SmtpGateway.Commands;

/// <summary>Verb → handler. Handlers are stateless; the session carries the state.</summary>
internal static class SmtpCommands
{
    private static readonly ISmtpCommand Helo = new EhloCommand(extended: false);
    private static readonly ISmtpCommand Ehlo = new EhloCommand(extended: true);
    private static readonly ISmtpCommand Mail = new MailCommand();
    private static readonly ISmtpCommand Rcpt = new RcptCommand();
    private static readonly ISmtpCommand Data = new DataCommand();
    private static readonly ISmtpCommand Bdat = new BdatCommand();
    private static readonly ISmtpCommand Rset = new RsetCommand();
    private static readonly ISmtpCommand Noop = new NoopCommand();
    private static readonly ISmtpCommand Quit = new QuitCommand();
    private static readonly ISmtpCommand Vrfy = new VrfyCommand();
    private static readonly ISmtpCommand Expn = new ExpnCommand();
    private static readonly ISmtpCommand Help = new HelpCommand();
    private static readonly ISmtpCommand StartTls = new StartTlsCommand();
    private static readonly ISmtpCommand Auth = new AuthCommand();
    private static readonly ISmtpCommand Xclient = new XclientCommand();

    public static ISmtpCommand For(SmtpVerb verb) => verb switch
    {
        SmtpVerb.Helo => Helo,
        SmtpVerb.Ehlo => Ehlo,
        SmtpVerb.Mail => Mail,
        SmtpVerb.Rcpt => Rcpt,
        SmtpVerb.Data => Data,
        SmtpVerb.Bdat => Bdat,
        SmtpVerb.Rset => Rset,
        SmtpVerb.Noop => Noop,
        SmtpVerb.Quit => Quit,
        SmtpVerb.Vrfy => Vrfy,
        SmtpVerb.Expn => Expn,
        SmtpVerb.Help => Help,
        SmtpVerb.StartTls => StartTls,
        SmtpVerb.Auth => Auth,
        SmtpVerb.Xclient => Xclient,
        _ => throw new ArgumentOutOfRangeException(nameof(verb)),
    };
}
