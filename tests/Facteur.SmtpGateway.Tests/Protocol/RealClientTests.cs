using System.Text.Json;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>
/// Python 3's smtplib and swaks (/usr/bin/swaks) against the real gateway. Accounts and intake are
/// test doubles (<see cref="TestAccounts"/>, <see cref="MemoryMailIntake"/>) until those branches land.
/// </summary>
public sealed class RealClientTests : IAsyncLifetime
{
    private const string SmtplibScript = """
        import json, smtplib, ssl, sys
        port, submission = int(sys.argv[1]), int(sys.argv[2])
        out = {}
        msg = "From: py@remote.example\r\nTo: alice@example.test\r\nSubject: smtplib\r\n\r\nline one\r\n.dot line\r\n"
        with smtplib.SMTP("127.0.0.1", port, timeout=15) as s:
            out["ehlo"] = s.ehlo()[0]
            out["features"] = sorted(s.esmtp_features.keys())
            out["refused"] = s.sendmail("py@remote.example", ["alice@example.test", "bob@example.test", "info@example.test"], msg)
            try:
                s.sendmail("py@remote.example", ["nobody@example.test"], msg)
            except smtplib.SMTPRecipientsRefused as e:
                out["unknown"] = [e.recipients["nobody@example.test"][0], e.recipients["nobody@example.test"][1].decode()]
            try:
                s.sendmail("py@remote.example", ["victim@elsewhere.example"], msg)
            except smtplib.SMTPRecipientsRefused as e:
                out["relay"] = [e.recipients["victim@elsewhere.example"][0], e.recipients["victim@elsewhere.example"][1].decode()]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", submission, timeout=15) as s:
            s.starttls(context=ctx)
            s.login("alice@example.test", "correct horse")
            out["submitted"] = s.sendmail("alice@example.test", ["far@elsewhere.example"], msg)
        print(json.dumps(out))
        """;

    private SmtpTestServer server = null!;

    public async Task InitializeAsync() => server = await SmtpTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Health.AssertServerStillAcceptsMailAsync(server);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Python_smtplib_sends_to_users_and_an_alias_is_refused_for_unknown_and_relay_and_submits_after_starttls_auth()
    {
        var (exit, output) = await ExternalProcess.RunAsync("python3", ["-c", SmtplibScript, server.MxPort.ToString(), server.SubmissionPort.ToString()]);
        Assert.True(exit == 0, output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(250, root.GetProperty("ehlo").GetInt32());
        var features = root.GetProperty("features").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Subset(features.ToHashSet(), new HashSet<string?> { "pipelining", "size", "8bitmime", "enhancedstatuscodes", "smtputf8", "chunking", "starttls" });
        Assert.Empty(root.GetProperty("refused").EnumerateObject());
        Assert.Equal(550, root.GetProperty("unknown")[0].GetInt32());
        Assert.StartsWith("5.1.1", root.GetProperty("unknown")[1].GetString());
        Assert.Equal(554, root.GetProperty("relay")[0].GetInt32());
        Assert.StartsWith("5.7.1", root.GetProperty("relay")[1].GetString());
        Assert.Empty(root.GetProperty("submitted").EnumerateObject());

        var committed = server.Intake.Committed.ToArray();
        Assert.Equal(2, committed.Length);
        Assert.Equal(["alice@example.test", "bob@example.test", "info@example.test"], committed[0].Envelope.Recipients);
        Assert.Equal("From: py@remote.example\r\nTo: alice@example.test\r\nSubject: smtplib\r\n\r\nline one\r\n.dot line\r\n", Messages.AfterReceived(committed[0].Content));
        Assert.Equal(["far@elsewhere.example"], committed[1].Envelope.Recipients);
        Assert.Equal("alice@example.test", committed[1].Envelope.AuthenticatedUser);
    }

    private Task<(int ExitCode, string Output)> SwaksAsync(params string[] arguments)
        => ExternalProcess.RunAsync("/usr/bin/swaks", ["--server", "127.0.0.1", "--helo", "swaks.example", "--timeout", "15", .. arguments]);

    [Fact]
    public async Task Swaks_delivers_to_a_user_and_an_alias()
    {
        var (exit, output) = await SwaksAsync("--port", server.MxPort.ToString(), "--from", "swaks@remote.example", "--to", "bob@example.test,info@example.test");
        Assert.True(exit == 0, output);
        Assert.Contains("<-  250 2.0.0 Ok: queued as", output);
        var (envelope, content) = server.Intake.Committed.Single();
        Assert.Equal(["bob@example.test", "info@example.test"], envelope.Recipients);
        Assert.Contains("Received: from swaks.example ([127.0.0.1])", System.Text.Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Swaks_gets_550_for_an_unknown_user_and_554_for_relay()
    {
        var (exit, output) = await SwaksAsync("--port", server.MxPort.ToString(), "--from", "swaks@remote.example", "--to", "ghost@example.test");
        Assert.NotEqual(0, exit);
        Assert.Contains("<** 550 5.1.1", output);
        (exit, output) = await SwaksAsync("--port", server.MxPort.ToString(), "--from", "swaks@remote.example", "--to", "victim@elsewhere.example");
        Assert.NotEqual(0, exit);
        Assert.Contains("<** 554 5.7.1", output);
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Swaks_starttls_and_auth_login_on_submission_relays_to_a_remote_domain()
    {
        var (exit, output) = await SwaksAsync(
            "--port", server.SubmissionPort.ToString(), "-tls", "--auth", "LOGIN",
            "--auth-user", "bob@example.test", "--auth-password", TestAccounts.Password,
            "--from", "bob@example.test", "--to", "far@elsewhere.example");
        Assert.True(exit == 0, output);
        Assert.Contains("<~  235 2.7.0", output);
        Assert.Equal("bob@example.test", server.Intake.Committed.Single().Envelope.AuthenticatedUser);
    }

    [Fact]
    public async Task Swaks_over_implicit_tls_with_auth_plain_sends()
    {
        var (exit, output) = await SwaksAsync(
            "--port", server.SubmissionsPort.ToString(), "--tlsc", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", TestAccounts.Password,
            "--from", "alice@example.test", "--to", "bob@example.test");
        Assert.True(exit == 0, output);
        Assert.Single(server.Intake.Committed);
    }

    [Fact]
    public async Task Swaks_pipelining_and_a_message_over_the_limit_gets_552()
    {
        var (exit, output) = await SwaksAsync(
            "--port", server.MxPort.ToString(), "--pipeline", "--from", "swaks@remote.example", "--to", "alice@example.test",
            "--body", new string('b', (int)SmtpTestServer.DefaultMaxMessageSize + 1));
        Assert.NotEqual(0, exit);
        Assert.Contains("552 5.3.4", output);
        Assert.Empty(server.Intake.Committed);
    }
}
