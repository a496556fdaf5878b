using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>
/// Facteur as it runs in containers, each part its own process on loopback: the standalone host
/// for SMTP (MX and submission) and delivery, the mailbox-api for IMAP, <see cref="Replicas"/>
/// webmail processes sharing one Data Protection key folder, and the YARP edge in front of
/// them routing host mail.esp.sn. Users alice, bob and carol in esp.sn.
/// </summary>
internal sealed class MailStack : IAsyncDisposable
{
    public const string Domain = "esp.sn";
    public const string WebHost = "mail.esp.sn";

    private readonly List<ServiceProcess> _processes = [];

    public MailStack(int replicas = 2, int loginRequestsPerMinute = 1000)
    {
        Replicas = replicas;
        LoginRequestsPerMinute = loginRequestsPerMinute;
        Site = new TestSite(Domain) { MaxMessageSize = 5_000_000 }
            .WithUser("alice@esp.sn")
            .WithUser("bob@esp.sn")
            .WithUser("carol@esp.sn")
            .WithUser("dave@esp.sn")
            .WithUser("erin@esp.sn")
            .WithUser("frank@esp.sn")
            .WithUser("gina@esp.sn");
        KeysPath = Path.Combine(Site.Root, "webmail-keys");
        WebmailPorts = [.. Enumerable.Range(0, replicas).Select(_ => FreePort.Next())];
    }

    public TestSite Site { get; }

    public int Replicas { get; }

    public int LoginRequestsPerMinute { get; }

    public string KeysPath { get; }

    public int ImapPort { get; } = FreePort.Next();

    public int EdgePort { get; } = FreePort.Next();

    public int[] WebmailPorts { get; }

    public List<ServiceProcess> Webmails { get; } = [];

    public ServiceProcess Edge { get; private set; } = null!;

    /// <summary>The webmail's address through the edge; the browser maps mail.esp.sn to 127.0.0.1.</summary>
    public string BaseUrl => $"http://{WebHost}:{EdgePort}";

    public async Task StartAsync()
    {
        var gateway = Site.Environment("InMemory");
        gateway["Smtp__TrustedNetworks__0"] = "127.0.0.0/8"; // the webmail's address, as compose and k8s trust theirs
        var standalone = Start("standalone", Binaries.Standalone, gateway);

        var mailbox = Site.Environment("InMemory");
        mailbox["Imap__Port"] = ImapPort.ToString();
        mailbox["Imap__TlsPort"] = FreePort.Next().ToString();
        mailbox["Pop3__Port"] = FreePort.Next().ToString();
        mailbox["Pop3__TlsPort"] = FreePort.Next().ToString();

        // Every webmail login reaches IMAP from 127.0.0.1: the tests of the webmail's own login
        // limits must not trip the IMAP server's per-address limit and delay, which would lock
        // every other test out (a deployment trusts its webmail's address the same way).
        mailbox["Imap__MaxFailedLoginsPerIp"] = "100000";
        mailbox["Imap__MaxFailedLoginsPerUser"] = "100000";
        mailbox["Imap__FailedLoginDelay"] = "00:00:00.010";
        mailbox["Imap__MaxFailedLoginDelay"] = "00:00:00.010";
        var imap = Start("mailbox-api", Binaries.MailboxApi, mailbox);

        foreach (var port in WebmailPorts)
        {
            Webmails.Add(Start($"webmail-{port}", Binaries.Webmail, WebmailEnvironment(port)));
        }

        Edge = Start("edge", Binaries.Edge, EdgeEnvironment());

        var timeout = TimeSpan.FromSeconds(90);
        await standalone.WaitForPortsAsync(timeout, Site.SmtpPort, Site.SubmissionPort);
        await imap.WaitForPortsAsync(timeout, ImapPort);
        for (var i = 0; i < Webmails.Count; i++)
        {
            await Webmails[i].WaitForPortsAsync(timeout, WebmailPorts[i]);
        }

        await Edge.WaitForPortsAsync(timeout, EdgePort);
        await WaitUntilServedAsync(timeout);
    }

    /// <summary>Until the edge has seen every replica healthy and serves the login page from each.</summary>
    private async Task WaitUntilServedAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in WebmailPorts)
        {
            while ((await TryGetAsync(http, $"http://127.0.0.1:{port}/healthz", null)) != System.Net.HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        var served = 0;
        while (served < 2 * Replicas && DateTime.UtcNow < deadline)
        {
            served = await TryGetAsync(http, $"http://127.0.0.1:{EdgePort}/Login", WebHost) == System.Net.HttpStatusCode.OK ? served + 1 : 0;
            await Task.Delay(50);
        }
    }

    private static async Task<System.Net.HttpStatusCode?> TryGetAsync(HttpClient http, string url, string? host)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (host is not null)
            {
                request.Headers.Host = host;
            }

            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public string Logs => string.Join("\n\n", _processes.Select(p => $"=== {p.Name}\n{p.Log}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        Site.Dispose();
    }

    /// <summary>Another webmail process on the same IMAP, submission and key folder, with settings of its own.</summary>
    public async Task<ServiceProcess> StartExtraWebmailAsync(int port, IReadOnlyDictionary<string, string> settings)
    {
        var env = WebmailEnvironment(port);
        foreach (var (key, value) in settings)
        {
            env[key] = value;
        }

        var process = Start($"webmail-extra-{port}", Binaries.Webmail, env);
        await process.WaitForPortsAsync(TimeSpan.FromSeconds(90), port);
        return process;
    }

    /// <summary>Another edge in front of the same webmail replicas, with settings of its own (TLS, a low login limit).</summary>
    public async Task<ServiceProcess> StartExtraEdgeAsync(int port, IReadOnlyDictionary<string, string> settings, params int[] waitPorts)
    {
        var env = EdgeEnvironment();
        env["Http__Port"] = port.ToString();
        foreach (var (key, value) in settings)
        {
            env[key] = value;
        }

        var process = Start($"edge-extra-{port}", Binaries.Edge, env);
        await process.WaitForPortsAsync(TimeSpan.FromSeconds(90), [port, .. waitPorts]);
        return process;
    }

    private Dictionary<string, string> WebmailEnvironment(int port)
    {
        var env = Site.Environment("InMemory");
        env["Webmail__Port"] = port.ToString();
        env["Webmail__ImapHost"] = "127.0.0.1";
        env["Webmail__ImapPort"] = ImapPort.ToString();
        env["Webmail__ImapSecurity"] = "None";
        env["Webmail__SmtpHost"] = "127.0.0.1";
        env["Webmail__SmtpPort"] = Site.SubmissionPort.ToString();
        env["Webmail__SmtpSecurity"] = "None";
        env["Webmail__DataProtectionKeysPath"] = KeysPath;

        // The whole suite logs in from 127.0.0.1 far more than 30 times a minute; the limits
        // under test are the failed-login throttle and the edge's (SessionAndLoginLimitTests).
        env["Webmail__LoginRequestsPerMinute"] = "100000";
        return env;
    }

    private Dictionary<string, string> EdgeEnvironment()
    {
        var env = Site.Environment("InMemory");
        env["Http__Port"] = EdgePort.ToString();
        env["Http__LoginRequestsPerMinute"] = LoginRequestsPerMinute.ToString();
        env["Imap__Port"] = "143";
        env["Imap__TlsPort"] = "993";
        env["Smtp__SubmissionPort"] = "587";
        env["Smtp__SubmissionsPort"] = "465";
        const string route = "ReverseProxy__Routes__webmail__";
        env[route + "ClusterId"] = "webmail";
        env[route + "Match__Hosts__0"] = WebHost;
        env[route + "Match__Path"] = "{**catch-all}";
        const string cluster = "ReverseProxy__Clusters__webmail__";
        env[cluster + "LoadBalancingPolicy"] = "RoundRobin";
        env[cluster + "HealthCheck__Active__Enabled"] = "true";
        env[cluster + "HealthCheck__Active__Interval"] = "00:00:01";
        env[cluster + "HealthCheck__Active__Timeout"] = "00:00:01";
        env[cluster + "HealthCheck__Active__Policy"] = "ConsecutiveFailures";
        env[cluster + "HealthCheck__Active__Path"] = "/healthz";
        env[cluster + "HealthCheck__Passive__Enabled"] = "true";
        env[cluster + "HealthCheck__Passive__Policy"] = "TransportFailureRate";
        env[cluster + "HealthCheck__Passive__ReactivationPeriod"] = "00:00:30";
        for (var i = 0; i < WebmailPorts.Length; i++)
        {
            env[$"{cluster}Destinations__w{i}__Address"] = $"http://127.0.0.1:{WebmailPorts[i]}/";
        }

        return env;
    }

    private ServiceProcess Start(string name, string dll, Dictionary<string, string> environment)
    {
        var process = new ServiceProcess(name, dll, Site.Root, environment);
        _processes.Add(process);
        process.Start();
        return process;
    }
}
