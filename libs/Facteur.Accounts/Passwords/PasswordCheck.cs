namespace Facteur.Accounts.Passwords;

internal enum PasswordCheckOutcome
{
    Mismatch,
    Match,
    UnknownScheme,
    Malformed,
}

/// <summary>The result of checking a password against a stored <c>{SCHEME}hash</c>.</summary>
internal readonly record struct PasswordCheck(PasswordCheckOutcome Outcome, string Scheme)
{
    public bool Matches => Outcome == PasswordCheckOutcome.Match;
}
