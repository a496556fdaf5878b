using Microsoft.Extensions.Hosting;

namespace Facteur.SmtpGateway.Intake;

// SKELETON: replaced by the spool + publish-with-confirm intake.
internal static class MailIntakeModule
{
    public static IHostApplicationBuilder AddMailIntake(this IHostApplicationBuilder builder) => builder;
}
