using Facteur.Hosting.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facteur.Hosting.Tests;

public sealed class OptionsValidationTests
{
    private static IReadOnlyList<string> ErrorsFor(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddFacteurDefaults();
        using var app = builder.Build();
        return StartupConfigurationCheck.Collect(app.Services);
    }

    [Theory]
    [InlineData("Facteur:MaxMessageSize", "10", "Facteur:MaxMessageSize must be at least 1024")]
    [InlineData("Facteur:ListenAddress", "everywhere", "Facteur:ListenAddress must be '*', 'localhost' or an IP address (got 'everywhere')")]
    [InlineData("Facteur:Hostname", "", "Facteur:Hostname is required")]
    [InlineData("Facteur:Hostname", "mail server", "Facteur:Hostname must be a DNS host name (got 'mail server')")]
    [InlineData("Facteur:Domains:0", "not a domain", "Facteur:Domains:0 must be a domain name (got 'not a domain')")]
    [InlineData("Facteur:MailRoot", "", "Facteur:MailRoot is required")]
    [InlineData("Facteur:Tls:KeyPath", "/etc/ssl/private/key.pem", "Facteur:Tls:CertificatePath must be set when Facteur:Tls:KeyPath is")]
    [InlineData("Management:Port", "70000", "Management:Port must be between 0 and 65535")]
    public void A_bad_value_fails_validation_with_one_line_naming_the_key(string key, string value, string expected)
    {
        var errors = ErrorsFor(new Dictionary<string, string?> { [key] = value });

        Assert.Equal([expected], errors);
    }

    [Theory]
    [InlineData("Facteur:MaxMessageSize", "lots")]
    [InlineData("Facteur:Transport", "Pigeon")]
    [InlineData("Management:Port", "eighty")]
    public void A_value_of_the_wrong_type_fails_with_one_line_naming_the_key(string key, string value)
    {
        var errors = ErrorsFor(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Single(errors);
        Assert.Contains($"'{key}'", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Two_bad_values_give_two_lines_each_naming_its_key()
    {
        var errors = ErrorsFor(new Dictionary<string, string?>
        {
            ["Facteur:MaxMessageSize"] = "1",
            ["Facteur:ListenAddress"] = "nowhere",
        });

        Assert.Equal(2, errors.Count);
        Assert.Contains("Facteur:MaxMessageSize must be at least 1024", errors);
        Assert.Contains(errors, e => e.StartsWith("Facteur:ListenAddress must be", StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_domains_replace_the_default_localhost_instead_of_adding_to_it()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Facteur:Domains:0"] = "esp.sn", ["Facteur:Domains:1"] = "mail.esp.sn" });
        builder.AddFacteurDefaults();
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<FacteurOptions>>().Value;

        Assert.Equal(["esp.sn", "mail.esp.sn"], options.Domains);
    }

    [Fact]
    public void A_failure_reported_by_two_registrations_of_the_same_options_is_one_line()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Facteur:MaxMessageSize"] = "7" });
        builder.AddFacteurDefaults();

        // As a module does that binds the shared options again so that it can run alone.
        builder.Services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        using var app = builder.Build();

        Assert.Equal(["Facteur:MaxMessageSize must be at least 1024"], StartupConfigurationCheck.Collect(app.Services));
    }

    [Fact]
    public void The_service_defaults_are_valid()
    {
        Assert.Empty(ErrorsFor(new Dictionary<string, string?>()));
    }

    [Fact]
    public void A_missing_certificate_file_fails_the_start_naming_the_key()
    {
        using var folder = new TempFolder();
        var missing = folder.Combine("nope.pem");

        var errors = ErrorsFor(new Dictionary<string, string?> { ["Facteur:Tls:CertificatePath"] = missing });

        Assert.Equal([$"Facteur:Tls:CertificatePath: file not found: '{missing}'"], errors);
    }

    [Fact]
    public void MapFacteurDefaults_refuses_to_start_a_misconfigured_host()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Facteur:MaxMessageSize"] = "100" });
        builder.AddFacteurDefaults();
        using var app = builder.Build();

        var ex = Assert.Throws<FacteurConfigurationException>(() => app.MapFacteurDefaults());

        Assert.Equal(["Facteur:MaxMessageSize must be at least 1024"], ex.Errors);
    }

    [Fact]
    public void A_module_data_annotation_failure_is_rewritten_to_name_its_section_and_key()
    {
        var line = StartupConfigurationCheck.Rewrite(
            typeof(ManagementOptions),
            "DataAnnotation validation failed for 'SomeOptions' members: 'Port' with the error: 'The field Port must be between 1 and 65535.'.");

        Assert.Equal("Management:Port: The field Port must be between 1 and 65535.", line);
    }
}
