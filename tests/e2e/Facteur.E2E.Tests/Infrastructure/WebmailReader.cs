using System.Net;
using System.Text.RegularExpressions;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// A user of the webmail, through the edge, as a browser without JavaScript: GET the login form,
/// POST it back with its antiforgery token and the cookies it set, then page through the INBOX
/// list. No browser is needed: the pages are server-rendered forms and links.
/// </summary>
internal sealed partial class WebmailReader : IDisposable
{
    private readonly HttpClient _http;

    public WebmailReader(int edgePort)
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{edgePort}/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
    }

    /// <summary>Logs in; returns where the webmail sent the browser (the INBOX on success).</summary>
    public async Task<string> LogInAsync(string address, string password, CancellationToken cancellationToken)
    {
        var form = await GetPageAsync("Login", cancellationToken);
        var token = AntiforgeryToken().Match(form);
        if (!token.Success)
        {
            throw new InvalidOperationException("the login form has no antiforgery token:\n" + form);
        }

        using var post = await _http.PostAsync("Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = address,
            ["password"] = password,
            ["returnUrl"] = string.Empty,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        }), cancellationToken);
        if (post.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"login as {address}: {(int)post.StatusCode} {post.StatusCode}\n{await post.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return post.Headers.Location?.ToString() ?? string.Empty;
    }

    /// <summary>
    /// Every subject in the INBOX list, page by page (newest first, as the webmail shows it), and
    /// the total the pager announces. Bounded: at most <paramref name="maxPages"/> pages.
    /// </summary>
    public async Task<(List<string> Subjects, int Total, int Pages)> ListInboxAsync(int maxPages, CancellationToken cancellationToken)
    {
        var subjects = new List<string>();
        var total = -1;
        var page = 1;
        for (; page <= maxPages; page++)
        {
            var html = await GetPageAsync($"Mail?f=INBOX&p={page}", cancellationToken);
            var counts = Pager().Match(html);
            if (!counts.Success)
            {
                throw new InvalidOperationException($"page {page} of the INBOX has no pager:\n{html}");
            }

            total = int.Parse(counts.Groups["total"].Value, System.Globalization.CultureInfo.InvariantCulture);
            subjects.AddRange(SubjectLink().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)));
            if (int.Parse(counts.Groups["page"].Value, System.Globalization.CultureInfo.InvariantCulture) >= int.Parse(counts.Groups["pages"].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                break;
            }
        }

        return (subjects, total, page);
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> GetPageAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? body
            : throw new InvalidOperationException($"GET /{path}: {(int)response.StatusCode} {response.StatusCode} {response.Headers.Location}\n{body}");
    }

    // The hidden field Razor's form tag helper adds: <input name="__RequestVerificationToken" type="hidden" value="…" />
    [GeneratedRegex("<input(?=[^>]*name=\"__RequestVerificationToken\")[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("<a href=\"[^\"]*\" class=\"subject\">([^<]*)</a>")]
    private static partial Regex SubjectLink();

    // "Page 3 of 51 · 2512 messages" (Texts: PageOf, MessagesCount), or the French "Page 3 sur 51".
    [GeneratedRegex(@"Page (?<page>\d+) (?:of|sur) (?<pages>\d+) · (?<total>\d+) messages")]
    private static partial Regex Pager();
}
