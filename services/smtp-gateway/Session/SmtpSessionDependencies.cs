using Facteur.Accounts;
using Facteur.Hosting;
using Facteur.SmtpGateway.Intake;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.SmtpGateway.Session;

/// <summary>What every session needs from the host, resolved once.</summary>
internal sealed class SmtpSessionDependencies(
    IOptions<SmtpOptions> smtpOptions,
    IOptions<FacteurOptions> facteurOptions,
    IRecipientResolver recipients,
    IPasswordAuthenticator authenticator,
    IMailIntake intake,
    SmtpTelemetry telemetry,
    ConnectionLimiter connectionLimiter,
    AuthFailureTracker authFailures,
    SmtpTrustedPeers trustedPeers,
    IServiceProvider services,
    ILoggerFactory loggerFactory)
{
    public SmtpOptions Options { get; } = smtpOptions.Value;

    public FacteurOptions Facteur { get; } = facteurOptions.Value;

    public IRecipientResolver Recipients { get; } = recipients;

    public IPasswordAuthenticator Authenticator { get; } = authenticator;

    public IMailIntake Intake { get; } = intake;

    public SmtpTelemetry Telemetry { get; } = telemetry;

    public ConnectionLimiter ConnectionLimiter { get; } = connectionLimiter;

    public AuthFailureTracker AuthFailures { get; } = authFailures;

    public SmtpTrustedPeers TrustedPeers { get; } = trustedPeers;

    public TimeProvider Time { get; } = services.GetService<TimeProvider>() ?? TimeProvider.System;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("Facteur.SmtpGateway.Session");

    /// <summary>Standalone: messages handed to in-process delivery and not yet started (null over RabbitMQ).</summary>
    public DeliveryBacklog? Backlog { get; } = facteurOptions.Value.Transport == FacteurTransport.InMemory
        ? services.GetService<DeliveryBacklog>()
        : null;

    /// <summary>Host shutdown: idle sessions are told 421 4.3.2 instead of being cut off.</summary>
    public CancellationToken Stopping { get; } = services.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;

    /// <summary>SPF/DKIM/DMARC on the MX listener (null in hosts that did not register it).</summary>
    public Inbound.InboundAuthenticator? InboundAuthentication { get; } = services.GetService<Inbound.InboundAuthenticator>();

    /// <summary>Resolved only when a TLS handshake needs it, so plain-text tests need no certificate.</summary>
    public IServerCertificate Certificate => services.GetRequiredService<IServerCertificate>();
}
