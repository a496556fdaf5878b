using Facteur.Webmail.Auth;
using Facteur.Webmail.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Facteur.Webmail.Pages;

internal sealed class LoginModel(MailConnector connector, LoginThrottle throttle, WebmailTelemetry telemetry, ILogger<LoginModel> logger) : PageModel
{
    public string? Error { get; private set; }

    public string? Email { get; private set; }

    public string? ReturnUrl { get; private set; }

    public void OnGet(string? returnUrl)
    {
        ReturnUrl = returnUrl;
        if (Request.Cookies.ContainsKey(WebmailModule.CookieName) && User.Identity?.IsAuthenticated != true)
        {
            // The browser still holds a session cookie that no longer validates: it expired.
            Error = "SessionExpired";
        }
    }

    public async Task<IActionResult> OnPostAsync(string? email, string? password, string? returnUrl)
    {
        Email = email?.Trim();
        ReturnUrl = returnUrl;
        if (string.IsNullOrEmpty(Email) || string.IsNullOrEmpty(password))
        {
            Error = "LoginFailed";
            return Page();
        }

        var client = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (throttle.IsBlocked(Email, client))
        {
            telemetry.LoginFailures.Add(1);
            WebmailLog.LoginRefused(logger, Email, "throttled");
            Error = "LoginThrottled";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        var account = new MailAccount(Email, password, Guid.NewGuid().ToString("N"));
        bool accepted;
        try
        {
            accepted = await connector.CheckCredentialsAsync(account, HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or SslHandshakeException or TimeoutException)
        {
            WebmailLog.ImapFailed(logger, Email, e.GetType().Name);
            Error = "ServerUnavailable";
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Page();
        }

        if (!accepted)
        {
            throttle.Failed(Email, client);
            telemetry.LoginFailures.Add(1);
            WebmailLog.LoginRefused(logger, Email, "bad credentials");
            Error = "LoginFailed";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        throttle.Succeeded(Email);
        telemetry.Logins.Add(1);
        WebmailLog.LoggedIn(logger, Email);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, account.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/Mail");
    }
}
