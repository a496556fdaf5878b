namespace Facteur.MailboxApi.Imap.Parsing;

/// <summary>The command does not follow the grammar of RFC 3501 §9: answered with a tagged BAD.</summary>
internal sealed class ImapParseException(string message) : Exception(message);
