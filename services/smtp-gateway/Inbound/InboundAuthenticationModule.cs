using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Facteur.SmtpGateway.Inbound;

internal static class InboundAuthenticationModule
{
    public static IServiceCollection AddInboundAuthentication(this IServiceCollection services)
    {
        services.AddOptions<InboundAuthenticationOptions>().BindConfiguration(SmtpOptions.SectionName);
        services.TryAddSingleton<IInboundDns, InboundDns>();
        services.TryAddSingleton<SpfEvaluator>();
        services.TryAddSingleton<DkimChecker>();
        services.TryAddSingleton<DmarcEvaluator>();
        services.TryAddSingleton<InboundAuthenticator>();
        return services;
    }
}
