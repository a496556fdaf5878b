using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Configuration;

/// <summary>
/// Runs every options validation registered with <c>ValidateOnStart()</c> (Facteur's and the
/// modules') before the host starts, and turns the failures into one line per key. Without it
/// a bad value surfaces as "Hosting failed to start" plus two stack traces.
/// </summary>
internal static partial class StartupConfigurationCheck
{
    public static IReadOnlyList<string> Collect(IServiceProvider services)
    {
        var errors = new List<string>();
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex)
        {
            Describe(ex, errors);
        }

        // A configured PEM pair is loaded now so that a wrong path fails the start, not the
        // first STARTTLS. An absent one is generated lazily by the services that need TLS.
        var tls = services.GetService<IOptions<FacteurOptions>>();
        if (errors.Count == 0 && tls is not null && !string.IsNullOrWhiteSpace(tls.Value.Tls.CertificatePath))
        {
            try
            {
                _ = services.GetRequiredService<IServerCertificate>().Certificate;
            }
            catch (Exception ex)
            {
                Describe(ex, errors);
            }
        }

        // A module that binds FacteurOptions again (to stand alone in its tests) registers the
        // same data annotation validation twice: say each thing once.
        return errors.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Throws <see cref="FacteurConfigurationException"/> when <see cref="Collect"/> finds anything.</summary>
    public static void ThrowIfInvalid(IServiceProvider services)
    {
        var errors = Collect(services);
        if (errors.Count > 0)
        {
            throw new FacteurConfigurationException(errors);
        }
    }

    /// <summary>True when <paramref name="ex"/> is a configuration error that deserves one line, not a stack trace.</summary>
    public static bool TryDescribe(Exception ex, out IReadOnlyList<string> errors)
    {
        var list = new List<string>();
        var known = Describe(ex, list);
        errors = list.Distinct(StringComparer.Ordinal).ToList();
        return known;
    }

    private static bool Describe(Exception ex, List<string> errors)
    {
        switch (ex)
        {
            case FacteurConfigurationException config:
                errors.AddRange(config.Errors);
                return true;
            case OptionsValidationException validation:
                errors.AddRange(validation.Failures.Select(f => Rewrite(validation.OptionsType, f)));
                return true;
            case AggregateException aggregate:
                var all = true;
                foreach (var inner in aggregate.InnerExceptions)
                {
                    all &= Describe(inner, errors);
                }

                return all;
            case TargetInvocationException { InnerException: { } inner }:
                return Describe(inner, errors);

            // The binder's own message names the key: "Failed to convert configuration value at 'Facteur:MaxMessageSize' to type 'System.Int64'."
            case InvalidOperationException when ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                errors.Add(ex.Message.TrimEnd('.'));
                return true;
            default:
                errors.Add($"{ex.GetType().Name}: {ex.Message}");
                return false;
        }
    }

    /// <summary>
    /// Data annotation failures read "DataAnnotation validation failed for 'SmtpOptions' members:
    /// 'Port' with the error: '…'." — keep the message, and name the key when it does not already.
    /// </summary>
    internal static string Rewrite(Type optionsType, string failure)
    {
        var match = DataAnnotationFailure().Match(failure);
        if (!match.Success)
        {
            return failure;
        }

        var error = match.Groups["error"].Value;
        var section = optionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        if (section is null || error.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
        {
            return error;
        }

        var members = match.Groups["members"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var key = members.Length > 0 ? $"{section}:{members[0]}" : section;
        return $"{key}: {error}";
    }

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
