using Facteur.SmtpGateway.Intake;
using Microsoft.AspNetCore.Builder;

namespace Facteur.SmtpGateway;

/// <summary>The gateway as a module: the standalone host and the gateway's own Program.cs both call this.</summary>
public static class SmtpGatewayModule
{
    // SKELETON: the SMTP listeners are added by the protocol work.
    public static WebApplicationBuilder AddSmtpGateway(this WebApplicationBuilder builder)
    {
        builder.AddMailIntake();
        return builder;
    }
}
