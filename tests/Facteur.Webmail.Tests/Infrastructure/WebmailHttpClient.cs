using System.Net;
using System.Text.RegularExpressions;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>A cookie-keeping HTTP client that talks to the edge as host mail.esp.sn, like a browser without JavaScript.</summary>
internal sealed partial class WebmailHttpClient : IDisposable
{
    private readonly HttpClient _client;

    public WebmailHttpClient(MailStack stack, bool followRedirects = true)
    {
        Cookies = new CookieContainer();
        _client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = followRedirects })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{stack.EdgePort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client.DefaultRequestHeaders.Host = $"{MailStack.WebHost}:{stack.EdgePort}";
        _client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-FR");
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(path);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _client.SendAsync(request);

    /// <summary>Posts a form of the page at <paramref name="pagePath"/> with its antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pagePath, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await (await _client.GetAsync(pagePath)).Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException($"no antiforgery token on {pagePath}:\n{page}");
        }

        return await _client.PostAsync(action, new FormUrlEncodedContent([.. fields, new("__RequestVerificationToken", token.Groups[1].Value)]));
    }

    public Task<HttpResponseMessage> LoginAsync(string address, string password) =>
        PostFormAsync("/Login", "/Login", [new("email", address), new("password", password)]);

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
