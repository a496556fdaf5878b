namespace Facteur.SmtpGateway.Parsing;

/// <summary>One esmtp-param: keyword upper-cased, value as sent (null when absent).</summary>
internal readonly record struct EsmtpParameter(string Keyword, string? Value);
