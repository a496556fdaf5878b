namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// What message n is: who sends it, over which port, to which addresses, and which mailboxes it
/// must end up in (aliases expanded). Every fifth message is authenticated submission to an
/// alias and a second recipient; every seventh other one goes over port 25 to three users.
/// </summary>
internal sealed record MailPlan(string Domain)
{
    public static readonly string[] Users = ["alice", "bob", "carol", "dave"];

    /// <summary>team@ → alice, carol (set up by the test in config/aliases).</summary>
    public const string TeamAlias = "team";

    public static readonly string[] TeamMembers = ["alice", "carol"];

    public const string Submitter = "dave";

    public bool IsSubmission(int n) => n % 5 == 0;

    public IReadOnlyList<string> Recipients(int n) =>
        IsSubmission(n) ? [Address(TeamAlias), Address("bob")]
        : n % 7 == 0 ? [Address("alice"), Address("bob"), Address("carol")]
        : [Address(Users[n % Users.Length])];

    public IReadOnlyList<string> Mailboxes(int n) =>
        [.. Recipients(n).SelectMany(r => r == Address(TeamAlias) ? TeamMembers.Select(Address) : [r]).Distinct()];

    public string Address(string localPart) => $"{localPart}@{Domain}";
}
