using Facteur.SmtpGateway.Parsing;

namespace Facteur.SmtpGateway.Session;

/// <summary>
/// Which commands each state allows, and the 503 to give otherwise. One table so the order rules
/// are read in one place rather than scattered over the handlers.
/// </summary>
internal static class SmtpStateTable
{
    /// <returns>Null when <paramref name="verb"/> may run in <paramref name="state"/>; else the reply.</returns>
    public static SmtpReply? Check(SmtpState state, SmtpVerb verb) => (state, verb) switch
    {
        // Always allowed: they don't depend on or change the transaction (RSET and the greetings reset it).
        (_, SmtpVerb.Quit or SmtpVerb.Rset or SmtpVerb.Noop or SmtpVerb.Help or SmtpVerb.Vrfy or SmtpVerb.Expn) => null,
        (SmtpState.Chunking, SmtpVerb.Bdat) => null,
        (SmtpState.Chunking, _) => SmtpReplies.BadSequence, // RFC 3030 §2: no mixing with DATA, no new MAIL
        (_, SmtpVerb.Helo or SmtpVerb.Ehlo) => null,
        // XCLIENT "may be sent at any time, except in the middle of a mail delivery transaction" (Postfix's XCLIENT_README).
        (SmtpState.Connected or SmtpState.Ready, SmtpVerb.Xclient) => null,
        (SmtpState.MailGiven or SmtpState.RecipientGiven, SmtpVerb.Xclient) => SmtpReplies.TransactionInProgress,
        (SmtpState.Connected, _) => SmtpReplies.SendHeloFirst,
        (SmtpState.Ready, SmtpVerb.Mail or SmtpVerb.Auth or SmtpVerb.StartTls) => null,
        (SmtpState.Ready, SmtpVerb.Rcpt) => SmtpReplies.NeedMail,
        (SmtpState.Ready, SmtpVerb.Data or SmtpVerb.Bdat) => SmtpReplies.NeedMail,
        (SmtpState.MailGiven, SmtpVerb.Rcpt) => null,
        (SmtpState.MailGiven, SmtpVerb.Data or SmtpVerb.Bdat) => SmtpReplies.NeedRcpt,
        (SmtpState.MailGiven or SmtpState.RecipientGiven, SmtpVerb.Mail) => SmtpReplies.NestedMail,
        (SmtpState.RecipientGiven, SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat) => null,
        _ => SmtpReplies.BadSequence,
    };
}
