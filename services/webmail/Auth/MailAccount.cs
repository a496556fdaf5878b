using System.Security.Claims;

namespace Facteur.Webmail.Auth;

/// <summary>
/// The signed-in user as the session cookie carries it. The password travels inside the cookie,
/// encrypted and signed by ASP.NET Data Protection (keys shared by every replica), so any replica
/// can open the user's IMAP session without server-side session state — Roundcube keeps it
/// encrypted in its session store for the same reason.
/// </summary>
internal sealed record MailAccount(string Address, string Password, string SessionId)
{
    public const string PasswordClaim = "facteur:imap-secret";
    public const string SessionClaim = "facteur:sid";

    public static MailAccount? From(ClaimsPrincipal user)
    {
        var address = user.FindFirstValue(ClaimTypes.Name);
        var password = user.FindFirstValue(PasswordClaim);
        var session = user.FindFirstValue(SessionClaim);
        return address is null || password is null || session is null ? null : new MailAccount(address, password, session);
    }

    public ClaimsPrincipal ToPrincipal(string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, Address), new Claim(PasswordClaim, Password), new Claim(SessionClaim, SessionId)],
            scheme));

    // Records print their members; the password must never reach a log line.
    public override string ToString() => Address;
}
