using System.Net;
using System.Text.RegularExpressions;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>A cookie-keeping HTTP client that talks to the edge as host mail.esp.sn, like a browser without JavaScript.</summary>
internal sealed partial class WebmailHttpClient : IDisposable
{
    private readonly HttpClient _client;

    public WebmailHttpClient(MailStack stack, bool followRedirects = true, string? sourceAddress = null, int? port = null, bool https = false, string language = "fr-FR")
    {
        Cookies = new CookieContainer();
        var handler = new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = followRedirects, UseCookies = true };
        if (https)
        {
            // The test edge presents a certificate made by the test.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        if (sourceAddress is not null)
        {
            // Loopback is 127.0.0.0/8: binding the client to 127.0.0.x makes it another client
            // address for the edge's and the webmail's per-address limits.
            var local = IPAddress.Parse(sourceAddress);
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var edgePort = port ?? stack.EdgePort;
        _client = new HttpClient(handler)
        {
            BaseAddress = new Uri($"{(https ? "https" : "http")}://127.0.0.1:{edgePort}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _client.DefaultRequestHeaders.Host = $"{MailStack.WebHost}:{edgePort}";
        _client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        BaseAddress = _client.BaseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The session cookie as a "name=value" header value, to replay it from another client.</summary>
    public string? SessionCookie =>
        Cookies.GetCookies(BaseAddress)[WebmailModule.CookieName] is { } cookie ? $"{cookie.Name}={cookie.Value}" : null;

    public async Task<string> GetTextAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}\n{text}");
        return text;
    }

    /// <summary>Posts a multipart form (compose with uploads) with the page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostMultipartAsync(string pagePath, string action, IEnumerable<KeyValuePair<string, string>> fields, IEnumerable<(string Name, string FileName, byte[] Content)> files)
    {
        var page = await (await _client.GetAsync(pagePath)).Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException($"no antiforgery token on {pagePath}:\n{page}");
        }

        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        foreach (var (name, fileName, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, name, fileName);
        }

        form.Add(new StringContent(token.Groups[1].Value), "__RequestVerificationToken");
        return await _client.PostAsync(action, form);
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
