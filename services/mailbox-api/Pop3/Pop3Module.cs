using Facteur.Accounts;
using Facteur.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Facteur.MailboxApi.Pop3;

/// <summary>POP3 as a module: <c>builder.AddPop3()</c> in any host (mailbox-api, standalone).</summary>
public static class Pop3Module
{
    public static WebApplicationBuilder AddPop3(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Pop3Options>()
            .BindConfiguration(Pop3Options.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddFacteurAccounts();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<LoginThrottle<Pop3Options>>();
        builder.Services.TryAddSingleton<MaildropCache>();
        builder.Services.TryAddSingleton<Pop3Telemetry>();

        MailboxListeners.Add<Pop3Options, Pop3ConnectionHandler>(builder.Services, "pop3");
        return builder;
    }
}
