namespace Facteur.SmtpGateway;

/// <summary>Put on each connection by its listener, so the one handler knows which port it serves.</summary>
internal sealed record SmtpListenerFeature(SmtpListenerKind Kind);
