namespace Facteur.Accounts.Aliases;

/// <summary>
/// One entry of a virtual(5) table: <c>alias@domain target, target</c> or the catch-all <c>@domain target</c>.
/// </summary>
/// <param name="Pattern">The key as written.</param>
/// <param name="Key">Lookup key: <c>local@ascii-domain</c> lower-cased, or <c>@ascii-domain</c> for a catch-all.</param>
/// <param name="Targets">Target addresses as written, in order.</param>
/// <param name="FirstLine">1-based first line of the entry.</param>
/// <param name="LastLine">1-based last line (continuation lines included).</param>
internal sealed record VirtualAlias(string Pattern, string Key, IReadOnlyList<string> Targets, int FirstLine, int LastLine)
{
    public bool IsCatchAll => Key.StartsWith('@');
}
