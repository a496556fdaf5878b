namespace Facteur.MailboxApi.Pop3.Parsing;

/// <summary>
/// A parsed command line. <see cref="Arguments"/> are the space-separated words after the
/// keyword; <see cref="RawArgument"/> is everything after the first space, kept whole for PASS,
/// whose password may itself contain spaces (RFC 1939 §7 notes servers may accept that).
/// </summary>
internal sealed record Pop3Command(Pop3Verb Verb, string Keyword, IReadOnlyList<string> Arguments, string RawArgument);
