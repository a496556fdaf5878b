namespace Facteur.Hosting.Health;

/// <summary>Tags that put a health check behind an endpoint.</summary>
public static class HealthTags
{
    /// <summary>Checked by <c>/readyz</c>: the bus is connected, the mail root is writable, …</summary>
    public const string Ready = "ready";

    /// <summary>Checked by <c>/healthz</c>, which otherwise only says the process answers.</summary>
    public const string Live = "live";
}
