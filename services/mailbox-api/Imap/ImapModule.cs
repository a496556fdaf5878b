using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailStore.Index;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.MailboxApi.Imap;

/// <summary>IMAP as a module: <c>builder.AddImap()</c> in any host (mailbox-api, standalone).</summary>
public static class ImapModule
{
    public static WebApplicationBuilder AddImap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImapOptions>()
            .BindConfiguration(ImapOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddFacteurAccounts();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<LoginThrottle<ImapOptions>>();
        builder.Services.TryAddSingleton<ImapConnectionLimiter>();
        builder.Services.TryAddSingleton<TrustedPeers>();
        builder.Services.TryAddSingleton<ImapTelemetry>();
        builder.Services.AddMessageStore(sp => sp.GetRequiredService<IOptions<FacteurOptions>>().Value.MailRoot);

        builder.ConfigureFacteurBus(x => x.AddConsumer<MailDeliveredConsumer, MailDeliveredConsumerDefinition>());

        MailboxListeners.Add<ImapOptions, ImapConnectionHandler>(builder.Services, "imap");
        return builder;
    }
}
