namespace Facteur.SmtpGateway.Session;

internal enum CommandOutcome
{
    Continue,

    /// <summary>Reply written; flush it and close the connection (QUIT, 421).</summary>
    Close,
}
