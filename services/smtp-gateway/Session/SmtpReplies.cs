namespace Facteur.SmtpGateway.Session;

/// <summary>The replies the handlers share, so wording and codes stay consistent.</summary>
internal static class SmtpReplies
{
    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Ok");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Ok");
    public static readonly SmtpReply StartMailInput = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply UnknownCommand = new(500, "5.5.1", "Error: command not recognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.0", "Error: line too long");
    public static readonly SmtpReply BadCharacters = new(500, "5.5.2", "Error: bad characters in command");
    public static readonly SmtpReply NoParametersAllowed = new(501, "5.5.4", "Syntax error: no parameters allowed");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Error: bad sequence of commands");
    public static readonly SmtpReply SendHeloFirst = new(503, "5.5.1", "Error: send HELO/EHLO first");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Error: need MAIL command");
    public static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Error: need RCPT command");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Error: nested MAIL command");
    public static readonly SmtpReply TransactionInProgress = new(503, "5.5.1", "Error: MAIL transaction in progress");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Error: too many recipients");
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Error: message file too big");
    public static readonly SmtpReply IntakeUnavailable = new(451, "4.3.0", "Error: queue file write error, try again later");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply RelayDenied = new(554, "5.7.1", "Relay access denied");
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "Recipient address rejected: User unknown in virtual mailbox table");
    public static readonly SmtpReply Closing = new(221, "2.0.0", "Bye");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Error: too many errors");
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Error: too many connections from your address");
    public static readonly SmtpReply CommandTimeout = new(421, "4.4.2", "Error: timeout exceeded");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down");
}
