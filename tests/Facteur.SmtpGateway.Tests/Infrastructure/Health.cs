using MailKit.Net.Smtp;
using MailKit.Security;

namespace Facteur.SmtpGateway.Tests.Infrastructure;

internal static class Health
{
    /// <summary>After abuse, an ordinary client still gets its mail queued.</summary>
    public static async Task AssertServerStillAcceptsMailAsync(SmtpTestServer server)
    {
        var before = server.Intake.Committed.Count;
        using var client = new SmtpClient { Timeout = 15_000, LocalDomain = "healthy.example" };
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        await client.SendAsync(Messages.Simple("check@remote.example", "bob@example.test", "health check"));
        await client.DisconnectAsync(true);
        Assert.Equal(before + 1, server.Intake.Committed.Count);
        Assert.Empty(server.Errors.Errors);
    }
}
