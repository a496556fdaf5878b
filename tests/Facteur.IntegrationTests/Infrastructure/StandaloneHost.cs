namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>The standalone host (every module in one process, in-memory bus, spool) on a test site.</summary>
internal sealed class StandaloneHost : IAsyncDisposable
{
    private ServiceProcess _process;

    public StandaloneHost(TestSite site)
    {
        Site = site;
        _process = Create();
    }

    public TestSite Site { get; }

    public ServiceProcess Process => _process;

    public async Task StartAsync()
    {
        _process.Start();
        await _process.WaitForPortsAsync(TimeSpan.FromSeconds(60), Site.SmtpPort, Site.SubmissionPort);
    }

    /// <summary>SIGKILL, then a new process on the same site (same ports, same spool).</summary>
    public async Task CrashAndRestartAsync()
    {
        _process.Kill();
        await _process.DisposeAsync();
        _process = Create();
        await StartAsync();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private ServiceProcess Create() =>
        new("standalone", RepositoryLayout.StandaloneDll, Site.Root, Site.Environment("InMemory"));
}
