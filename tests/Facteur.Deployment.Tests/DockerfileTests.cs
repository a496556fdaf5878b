using System.Text.RegularExpressions;
using Facteur.Deployment.Tests.Infrastructure;

namespace Facteur.Deployment.Tests;

/// <summary>The Dockerfiles build what compose and k8s run: the right project, non-root, health-checked.</summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string, string> Dockerfiles() => new()
    {
        { "services/smtp-gateway/Dockerfile", "services/smtp-gateway/Facteur.SmtpGateway.csproj" },
        { "services/delivery/Dockerfile", "services/delivery/Facteur.Delivery.csproj" },
        { "services/mailbox-api/Dockerfile", "services/mailbox-api/Facteur.MailboxApi.csproj" },
        { "services/webmail/Dockerfile", "services/webmail/Facteur.Webmail.csproj" },
        { "services/webmail/edge/Dockerfile", "services/webmail/edge/Facteur.Edge.csproj" },
    };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public async Task Dockerfile_publishes_its_project_runs_it_as_non_root_and_checks_healthz(string dockerfile, string project)
    {
        var text = await File.ReadAllTextAsync(Repository.Path(dockerfile));
        var assembly = Path.GetFileNameWithoutExtension(project);
        Assert.Contains($"dotnet restore {project}", text, StringComparison.Ordinal);
        Assert.Contains($"dotnet publish {project}", text, StringComparison.Ordinal);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^USER \$APP_UID$", text);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/sdk:\S+ AS build$", text);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/aspnet:\S+$", text);
        Assert.Contains($"http://127.0.0.1:${{Management__Port}}{Facteur.Hosting.FacteurDefaults.LivenessPath}", text, StringComparison.Ordinal);
        Assert.Contains($"Management__Port={new Facteur.Hosting.ManagementOptions().Port}", text, StringComparison.Ordinal);

        // Every project file copied for the restore layer exists (where the project itself does).
        if (File.Exists(Repository.Path(project)))
        {
            foreach (Match copy in CopiedProjectFile().Matches(text))
            {
                Assert.True(File.Exists(Repository.Path(copy.Groups[1].Value)), $"{dockerfile}: {copy.Groups[1].Value} does not exist");
            }
        }
    }

    [Fact]
    public async Task Build_context_leaves_out_secrets_build_output_and_local_data()
    {
        var ignored = (await File.ReadAllLinesAsync(Repository.Path(".dockerignore"))).Select(l => l.Trim()).ToHashSet();
        foreach (var pattern in new[] { "**/bin/", "**/obj/", ".git/", "data/", "config/", ".env", "**/*.pem", "**/*.key" })
        {
            Assert.Contains(pattern, ignored);
        }
    }

    [GeneratedRegex(@"(?m)^COPY (\S+\.csproj) ")]
    private static partial Regex CopiedProjectFile();
}
