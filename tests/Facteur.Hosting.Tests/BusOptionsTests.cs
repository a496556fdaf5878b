using Facteur.Hosting.Bus;

namespace Facteur.Hosting.Tests;

public sealed class BusOptionsTests
{
    [Fact]
    public void Unset_inline_threshold_is_256_KiB_over_RabbitMQ_and_64_KiB_in_memory()
    {
        var options = new BusOptions();

        Assert.Equal(256 * 1024, options.EffectiveInlineThreshold(FacteurTransport.RabbitMq));
        Assert.Equal(64 * 1024, options.EffectiveInlineThreshold(FacteurTransport.InMemory));
    }

    [Theory]
    [InlineData(FacteurTransport.RabbitMq)]
    [InlineData(FacteurTransport.InMemory)]
    public void A_configured_inline_threshold_applies_to_either_transport(FacteurTransport transport)
    {
        var options = new BusOptions { InlineThreshold = 4096 };

        Assert.Equal(4096, options.EffectiveInlineThreshold(transport));
    }
}
