namespace Facteur.Cli;

/// <summary>A command that cannot be done; its message is printed as one line <c>error: …</c>.</summary>
internal sealed class CommandFailedException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
