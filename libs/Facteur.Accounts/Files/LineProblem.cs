namespace Facteur.Accounts.Files;

/// <summary>A line of an accounts, aliases or domains file that was ignored, and why.</summary>
internal sealed record LineProblem(int LineNumber, string Message);
