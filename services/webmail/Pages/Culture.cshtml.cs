using Facteur.Webmail.Localization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Facteur.Webmail.Pages;

/// <summary>The language switch: a cookie that takes precedence over Accept-Language.</summary>
internal sealed class CultureModel : PageModel
{
    public IActionResult OnGet() => Redirect("/Mail");

    public IActionResult OnPost(string? culture, string? returnUrl)
    {
        if (culture is not null && Texts.Cultures.Contains(culture))
        {
            Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = Request.IsHttps, IsEssential = true });
        }

        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/Mail");
    }
}
