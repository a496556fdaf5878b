using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Facteur.SmtpGateway.Intake;

internal static class MailIntakeModule
{
    /// <summary>Registers <see cref="IMailIntake"/> (spool + publish with confirm), the spool recovery and the re-publisher of unconfirmed messages.</summary>
    public static IHostApplicationBuilder AddMailIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddBusDurability();
        builder.Services.TryAddSingleton<DeliveryBacklog>();
        builder.Services.TryAddSingleton<MailIntake>();
        builder.Services.TryAddSingleton<IMailIntake>(sp => sp.GetRequiredService<MailIntake>());
        builder.Services.TryAddSingleton<SpoolRecovery>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SpoolRecovery>());
        builder.Services.TryAddSingleton<UnconfirmedRepublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UnconfirmedRepublisher>());
        return builder;
    }
}
