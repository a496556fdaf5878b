using System.Net.Sockets;
using Facteur.SmtpGateway.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>
/// MailKit's SmtpClient against the real gateway in a real Kestrel host. Accounts and intake are
/// test doubles (<see cref="TestAccounts"/>, <see cref="MemoryMailIntake"/>) until those branches land.
/// MailKit uses BDAT when CHUNKING is offered, so these also cover CHUNKING end to end.
/// </summary>
public sealed class MailKitClientTests : IAsyncLifetime
{
    private SmtpTestServer server = null!;

    public async Task InitializeAsync() => server = await SmtpTestServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static SmtpClient NewClient()
    {
        var client = new SmtpClient { Timeout = 15_000, LocalDomain = "client.example" };
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        return client;
    }

    [Fact]
    public async Task Mail_to_a_local_user_on_the_mx_port_is_queued_with_a_received_header()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        var response = await client.SendAsync(Messages.Simple("sender@remote.example", "alice@example.test"));
        await client.DisconnectAsync(true);

        var (envelope, content) = Assert.Single(server.Intake.Committed);
        Assert.Equal(["alice@example.test"], envelope.Recipients);
        Assert.Equal("sender@remote.example", envelope.ReversePath);
        Assert.Equal("127.0.0.1", envelope.ClientAddress);
        Assert.Contains(envelope.QueueId, response);
        var text = System.Text.Encoding.UTF8.GetString(content);
        Assert.StartsWith($"Received: from client.example ([127.0.0.1])\r\n\tby mx.example.test (Facteur) with ESMTP id {envelope.QueueId}\r\n\tfor <alice@example.test>; ", text);
        Assert.Contains(".leading dot line", text);
    }

    [Fact]
    public async Task Mail_to_two_users_and_an_alias_is_one_transaction_with_three_recipients()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        var message = Messages.Simple("sender@remote.example", "alice@example.test");
        message.To.Add(MailboxAddress.Parse("bob@example.test"));
        message.Cc.Add(MailboxAddress.Parse("info@example.test"));
        await client.SendAsync(message);
        await client.DisconnectAsync(true);

        var (envelope, content) = Assert.Single(server.Intake.Committed);
        Assert.Equal(["alice@example.test", "bob@example.test", "info@example.test"], envelope.Recipients);
        Assert.DoesNotContain("\tfor <", System.Text.Encoding.UTF8.GetString(content)); // no "for" with several recipients
    }

    [Fact]
    public async Task Unknown_local_user_is_refused_with_550_5_1_1()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Messages.Simple("sender@remote.example", "nobody@example.test")));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, e.StatusCode);
        Assert.Contains("5.1.1", e.Message);
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Relay_on_the_mx_port_is_denied_with_554_5_7_1()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Messages.Simple("sender@remote.example", "someone@elsewhere.example")));
        Assert.Equal(554, (int)e.StatusCode);
        Assert.Contains("5.7.1", e.Message);
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Submission_requires_starttls_then_auth_and_then_relays_to_a_remote_domain()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        Assert.Contains("LOGIN", client.AuthenticationMechanisms);
        await client.AuthenticateAsync("alice@example.test", TestAccounts.Password);
        await client.SendAsync(Messages.Simple("alice@example.test", "friend@elsewhere.example"));
        await client.DisconnectAsync(true);

        var (envelope, content) = Assert.Single(server.Intake.Committed);
        Assert.Equal("alice@example.test", envelope.AuthenticatedUser);
        Assert.Equal(["friend@elsewhere.example"], envelope.Recipients);
        Assert.Contains(" with ESMTPSA id ", System.Text.Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Submission_without_auth_refuses_mail_with_530()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.StartTls);
        // MailKit maps 530 to ServiceNotAuthenticatedException.
        var e = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => client.SendAsync(Messages.Simple("alice@example.test", "bob@example.test")));
        Assert.StartsWith("5.7.0 ", e.Message);
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Submission_does_not_offer_auth_before_tls()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Implicit_tls_on_the_submissions_port_authenticates_and_sends()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        await client.AuthenticateAsync(new SaslMechanismLogin("bob@example.test", TestAccounts.Password));
        await client.SendAsync(Messages.Simple("bob@example.test", "alice@example.test"));
        await client.DisconnectAsync(true);
        Assert.Single(server.Intake.Committed);
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_535_5_7_8()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.SubmissionPort, SecureSocketOptions.StartTls);
        var e = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice@example.test", "wrong"));
        Assert.Contains("5.7.8", e.Message);
        await client.AuthenticateAsync("alice@example.test", TestAccounts.Password);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Oversize_message_over_bdat_is_refused_with_552_and_nothing_is_committed()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        var body = new string('x', 76) + "\r\n";
        var message = Messages.Simple("sender@remote.example", "alice@example.test", body: string.Concat(Enumerable.Repeat(body, (int)(SmtpTestServer.DefaultMaxMessageSize / body.Length) + 1)));
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
        Assert.Equal(552, (int)e.StatusCode);
        Assert.Empty(server.Intake.Committed);

        await client.SendAsync(Messages.Simple("sender@remote.example", "alice@example.test"));
        Assert.Single(server.Intake.Committed);
    }

    [Fact]
    public async Task Intake_failure_answers_451_and_the_retry_succeeds()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        server.Intake.FailCommit = true;
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Messages.Simple("sender@remote.example", "alice@example.test")));
        Assert.Equal(451, (int)e.StatusCode);
        Assert.Contains("4.3.0", e.Message);
        server.Intake.FailCommit = false;
        await client.SendAsync(Messages.Simple("sender@remote.example", "alice@example.test"));
        Assert.Single(server.Intake.Committed);
    }

    [Fact]
    public async Task Internationalized_recipient_is_accepted_with_smtputf8()
    {
        using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", server.MxPort, SecureSocketOptions.None);
        var message = Messages.Simple("sender@remote.example", "jörg@example.test");
        await client.SendAsync(FormatOptions.Default.Clone(), message);
        await client.DisconnectAsync(true);
        var (envelope, _) = Assert.Single(server.Intake.Committed);
        Assert.Equal(["jörg@example.test"], envelope.Recipients);
    }
}
