using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Facteur.Delivery.Relay;

/// <summary>
/// Rules of <see cref="RelayOptions"/> that data annotations cannot express, checked at start
/// (ValidateOnStart) so a bad file or template stops the process with a line naming its key
/// instead of failing at the first relayed message.
/// </summary>
internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var failures = new List<string>();

        if (options.TransportMapFile is { Length: > 0 } map)
        {
            try
            {
                _ = new TransportMap(File.ReadAllLines(map));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                failures.Add($"Relay:TransportMapFile '{map}': {e.Message}");
            }
        }

        if (options.CredentialsFile is { Length: > 0 } credentials)
        {
            try
            {
                _ = new RelayCredentials(File.ReadAllLines(credentials));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                failures.Add($"Relay:CredentialsFile '{credentials}': {e.Message}");
            }
        }

        if (options.TlsCaFile is { Length: > 0 } ca)
        {
            try
            {
                var certificates = new X509Certificate2Collection();
                certificates.ImportFromPemFile(ca);
                if (certificates.Count == 0)
                {
                    failures.Add($"Relay:TlsCaFile '{ca}' holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                failures.Add($"Relay:TlsCaFile '{ca}': {e.Message}");
            }
        }

        if (options.MtaStsPolicyUrlTemplate is { Length: > 0 } template
            && (!template.Contains("{domain}", StringComparison.Ordinal)
                || !Uri.TryCreate(template.Replace("{domain}", "example.org", StringComparison.Ordinal), UriKind.Absolute, out var url)
                || url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Relay:MtaStsPolicyUrlTemplate must be an https URL containing {{domain}} (got '{template}')");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
