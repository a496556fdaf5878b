using Facteur.Webmail.Auth;
using Facteur.Webmail.Imap;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Facteur.Webmail.Pages;

/// <summary>
/// POST only (with the antiforgery token): a GET must not end a session. Ends it on the server
/// too (<see cref="Sessions.RevokedSessions"/>) and closes its pooled IMAP connection.
/// </summary>
internal sealed class LogoutModel(ImapSessionPool pool, Sessions.RevokedSessions revoked) : PageModel
{
    public IActionResult OnGet() => Redirect("/Mail");

    public async Task<IActionResult> OnPostAsync()
    {
        if (MailAccount.From(User) is { } account)
        {
            revoked.Revoke(account.SessionId);
            await pool.CloseAsync(account);
        }

        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/Login");
    }
}
