namespace Facteur.Hosting.Configuration;

/// <summary>
/// A configuration error found at start. Each line of <see cref="Errors"/> names its key;
/// the process prints them, one per line, and exits with <see cref="ExitCode"/> instead of a stack trace.
/// </summary>
public sealed class FacteurConfigurationException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    /// <summary>EX_CONFIG from sysexits.h: "something was found in an unconfigured or misconfigured state".</summary>
    public const int ExitCode = 78;

    public FacteurConfigurationException(string error)
        : this([error])
    {
    }

    public IReadOnlyList<string> Errors { get; } = errors;
}
