using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.IntegrationTests;

/// <summary>
/// One standalone host for a test class: users alice and bob in esp.sn, carol in example.test,
/// the alias team@esp.sn → alice, bob, and a forward of ext@esp.sn to a remote address.
/// </summary>
public sealed class StandaloneFixture : IAsyncLifetime
{
    internal TestSite Site { get; } = new TestSite { MaxMessageSize = 1_000_000 }
        .WithUser("alice@esp.sn")
        .WithUser("bob@esp.sn")
        .WithUser("carol@example.test")
        .WithAlias("team@esp.sn", "alice@esp.sn", "bob@esp.sn");

    internal StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = new StandaloneHost(Site);
        await Host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Site.Dispose();
    }
}
