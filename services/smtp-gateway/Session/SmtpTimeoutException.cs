namespace Facteur.SmtpGateway.Session;

/// <summary>The command or data timeout of RFC 5321 §4.5.3.2 expired: 421 4.4.2 and close.</summary>
internal sealed class SmtpTimeoutException : Exception;
