using System.Diagnostics;
using Facteur.MailboxApi.Tests.Infrastructure;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>curl's pop3:// URLs (LIST, RETR by number, UIDL via -X, DELE).</summary>
public sealed class CurlTests
{
    [Fact]
    public async Task Curl_lists_retrieves_uidls_and_deletes()
    {
        await using var server = await Pop3TestServer.StartAsync();
        MaildirSeed.Deliver(server.Maildir(), "Subject: via curl\n\nhello curl\n", withSizes: false);
        var second = MaildirSeed.Message("second", "x\r\n");
        MaildirSeed.Deliver(server.Maildir(), second);
        const string firstOnWire = "Subject: via curl\r\n\r\nhello curl\r\n";
        var url = $"pop3://127.0.0.1:{server.Port}/";
        var credentials = $"{Pop3TestServer.User}:{Pop3TestServer.Password}";

        var list = await CurlAsync("-s", "-u", credentials, url);
        Assert.Equal([$"1 {firstOnWire.Length}", $"2 {second.Length}"], list.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));

        var message = await CurlAsync("-s", "-u", credentials, url + "1");
        Assert.Equal(firstOnWire, message);

        var uidl = await CurlAsync("-s", "-u", credentials, "-X", "UIDL", url);
        Assert.StartsWith("1 00000001", uidl);

        await CurlAsync("-s", "-u", credentials, "-X", "DELE", "-I", url + "2");
        Assert.Equal(1, MaildirSeed.FileCount(server.Maildir()));
    }

    private static async Task<string> CurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("30");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl exited {process.ExitCode}: {error}");
        return output;
    }
}
