using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Facteur.MailStore.Tests;

public sealed class MailRootWritableHealthCheckTests : IDisposable
{
    private readonly TempMailRoot root = new();

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task A_writable_mail_root_is_healthy_and_keeps_no_probe_file()
    {
        var result = await new MailRootWritableHealthCheck(root.Path).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.Path));
    }

    [Fact]
    public async Task A_mail_root_that_cannot_be_created_is_unhealthy()
    {
        var blocker = Path.Combine(root.Path, "file");
        await File.WriteAllTextAsync(blocker, "x");

        var result = await new MailRootWritableHealthCheck(Path.Combine(blocker, "mail")).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }
}
