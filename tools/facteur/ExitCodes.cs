namespace Facteur.Cli;

/// <summary>What <c>facteur</c> returns (documented in README.md).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The command could not be done: bad address, unknown domain, duplicate, missing user, invalid configuration, I/O error.</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing argument, a password given as an argument.</summary>
    public const int Usage = 2;
}
