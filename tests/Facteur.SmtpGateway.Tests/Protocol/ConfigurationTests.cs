using Facteur.SmtpGateway.Tests.Infrastructure;
using Facteur.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Tests.Protocol;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Smtp:CommandTimeout", "00:00:00", "Smtp:CommandTimeout")]
    [InlineData("Smtp:DataTimeout", "-00:00:01", "Smtp:DataTimeout")]
    [InlineData("Smtp:MaxRecipients", "0", "MaxRecipients")]
    [InlineData("Smtp:Port", "70000", "Port")]
    [InlineData("Smtp:MaxCommandLineLength", "10", "MaxCommandLineLength")]
    [InlineData("Smtp:InFlowDelay", "00:00:11", "Smtp:InFlowDelay")]
    [InlineData("Smtp:InFlowBacklog", "0", "InFlowBacklog")]
    [InlineData("Facteur:ListenAddress", "not-an-ip", "Facteur:ListenAddress")]
    public async Task A_bad_setting_fails_at_start_naming_the_key(string key, string value, string named)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => SmtpTestServer.StartAsync(new Dictionary<string, string?> { [key] = value }));
        // Options validation, or the hosting library's configuration error (thrown while binding listeners).
        Exception? validation = e as OptionsValidationException ?? e.InnerException as OptionsValidationException
            ?? (Exception?)(e as Facteur.Hosting.Configuration.FacteurConfigurationException ?? e.InnerException as Facteur.Hosting.Configuration.FacteurConfigurationException);
        Assert.NotNull(validation);
        Assert.Contains(named, validation.Message);
    }

    [Fact]
    public async Task Listen_address_star_binds_every_address()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Facteur:ListenAddress"] = "*" });
        await Health.AssertServerStillAcceptsMailAsync(server);
    }

    [Fact]
    public async Task Proxy_protocol_switched_on_for_all_listeners_expects_a_header_everywhere()
    {
        await using var server = await SmtpTestServer.StartAsync(new Dictionary<string, string?> { ["Smtp:ProxyProtocol"] = "true", ["Smtp:ProxyProtocolTimeout"] = "00:00:01" });
        foreach (var port in new[] { server.MxPort, server.SubmissionPort })
        {
            await using var bare = await RawSmtpClient.ConnectAsync(port, "EHLO x\r\n"u8.ToArray());
            Assert.Null(await bare.ReadReplyAsync());
            await using var proxied = await RawSmtpClient.ConnectAsync(port, "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"u8.ToArray());
            Assert.StartsWith("220 ", await proxied.ReadReplyAsync());
        }
    }

    [Fact]
    public void With_the_facteur_defaults_the_facteur_section_is_bound_once()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Facteur:Domains:0"] = "esp.sn" });
        builder.AddFacteurDefaults();
        builder.AddSmtpGateway();
        using var provider = builder.Services.BuildServiceProvider();
        var domains = provider.GetRequiredService<IOptions<FacteurOptions>>().Value.Domains;
        Assert.Single(domains, "esp.sn");
    }
}
