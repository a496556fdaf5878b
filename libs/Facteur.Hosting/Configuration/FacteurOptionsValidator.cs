using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Configuration;

/// <summary>Rules of <see cref="FacteurOptions"/> that data annotations cannot express, each failure naming its key.</summary>
internal sealed class FacteurOptionsValidator : IValidateOptions<FacteurOptions>
{
    public ValidateOptionsResult Validate(string? name, FacteurOptions options)
    {
        var failures = new List<string>();

        if (!string.IsNullOrWhiteSpace(options.Hostname) && Uri.CheckHostName(options.Hostname) != UriHostNameType.Dns)
        {
            failures.Add($"Facteur:Hostname must be a DNS host name (got '{options.Hostname}')");
        }

        if (options.Domains.Count == 0)
        {
            failures.Add("Facteur:Domains must list at least one local domain");
        }

        for (var i = 0; i < options.Domains.Count; i++)
        {
            var domain = options.Domains[i];
            if (string.IsNullOrWhiteSpace(domain) || Uri.CheckHostName(domain) != UriHostNameType.Dns)
            {
                failures.Add($"Facteur:Domains:{i} must be a domain name (got '{domain}')");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ListenAddress) && !ListenAddress.IsValid(options.ListenAddress))
        {
            failures.Add(ListenAddress.Invalid(options.ListenAddress));
        }

        if (!Enum.IsDefined(options.Transport))
        {
            failures.Add($"Facteur:Transport must be RabbitMq or InMemory (got '{options.Transport}')");
        }

        var tls = options.Tls;
        if (string.IsNullOrWhiteSpace(tls.CertificatePath) && !string.IsNullOrWhiteSpace(tls.KeyPath))
        {
            failures.Add("Facteur:Tls:CertificatePath must be set when Facteur:Tls:KeyPath is");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
