using System.Text;
using Facteur.SmtpGateway.Tests.Infrastructure;

namespace Facteur.SmtpGateway.Tests.Protocol;

/// <summary>
/// Command order, syntax and transparency over a raw socket against the real gateway (test doubles
/// for accounts and intake only). Every test ends by checking that a normal client still gets through.
/// </summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private SmtpTestServer server = null!;

    public async Task InitializeAsync() => server = await SmtpTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Health.AssertServerStillAcceptsMailAsync(server);
        await server.DisposeAsync();
    }

    private Task<RawSmtpClient> GreetAsync() => RawSmtpClient.ConnectAndGreetAsync(server.MxPort);

    private static async Task<string> CommandAsync(RawSmtpClient client, string line)
    {
        await client.SendLineAsync(line);
        return RawSmtpClient.LastLine(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Banner_and_ehlo_advertise_the_extensions()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        Assert.Equal("220 mx.example.test ESMTP Facteur", await client.ReadReplyAsync());
        await client.SendLineAsync("EHLO client.example");
        var lines = (await client.ReadReplyAsync())!.Split('\n');
        Assert.Equal("250-mx.example.test", lines[0]);
        Assert.Equal(
            ["PIPELINING", $"SIZE {SmtpTestServer.DefaultMaxMessageSize}", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "DSN", "STARTTLS"],
            lines[1..].Select(l => l[4..]));
        Assert.Equal("250 mx.example.test", await CommandAsync(client, "HELO client.example"));
    }

    [Fact]
    public async Task Data_without_rcpt_is_refused_with_503_5_5_1()
    {
        await using var client = await GreetAsync();
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250 2.1.0", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "DATA"));
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
    }

    [Fact]
    public async Task Mail_before_ehlo_is_refused_and_rcpt_before_mail_too()
    {
        await using var client = await RawSmtpClient.ConnectAsync(server.MxPort);
        await client.ReadReplyAsync();
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "MAIL FROM:<a@remote.example>"));
        Assert.StartsWith("250", await CommandAsync(client, "EHLO x"));
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "RCPT TO:<alice@example.test>"));
    }

    [Fact]
    public async Task Rset_noop_vrfy_help_and_expn_answer_without_probing_users()
    {
        await using var client = await GreetAsync();
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP"));
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "RSET"));
        Assert.StartsWith("252 2.5.2", await CommandAsync(client, "VRFY alice"));
        Assert.StartsWith("252 2.5.2", await CommandAsync(client, "VRFY nobody"));
        Assert.StartsWith("214 2.0.0", await CommandAsync(client, "HELP"));
        Assert.StartsWith("502 5.5.1", await CommandAsync(client, "EXPN staff"));
        Assert.StartsWith("501 5.5.4", await CommandAsync(client, "RSET now"));
    }

    [Fact]
    public async Task Unknown_command_is_refused_with_500_5_5_1()
    {
        await using var client = await GreetAsync();
        Assert.StartsWith("500 5.5.1", await CommandAsync(client, "XYZZY"));
        Assert.StartsWith("500 5.5.1", await CommandAsync(client, "GET / HTTP/1.1"));
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP"));
    }

    [Fact]
    public async Task Postmaster_without_domain_is_accepted()
    {
        await using var client = await GreetAsync();
        await CommandAsync(client, "MAIL FROM:<>");
        Assert.StartsWith("250 2.1.5", await CommandAsync(client, "RCPT TO:<Postmaster>"));
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("250 2.0.0", await CommandAsync(client, "Subject: bounce\r\n\r\nx\r\n."));
        var (envelope, _) = server.Intake.Committed.Single();
        Assert.Equal("", envelope.ReversePath);
        Assert.Equal(["postmaster@example.test"], envelope.Recipients);
    }

    [Fact]
    public async Task Mail_parameters_are_checked()
    {
        await using var client = await GreetAsync();
        Assert.StartsWith("555 5.5.4", await CommandAsync(client, "MAIL FROM:<a@remote.example> FOO=BAR"));
        Assert.StartsWith("555 5.5.4", await CommandAsync(client, "MAIL FROM:<a@remote.example> BODY=BINARYMIME"));
        Assert.StartsWith("501 5.5.4", await CommandAsync(client, "MAIL FROM:<a@remote.example> BODY=9BIT"));
        Assert.StartsWith("552 5.3.4", await CommandAsync(client, $"MAIL FROM:<a@remote.example> SIZE={SmtpTestServer.DefaultMaxMessageSize + 1}"));
        Assert.StartsWith("553 5.6.7", await CommandAsync(client, "MAIL FROM:<jörg@remote.example>"));
        Assert.StartsWith("501 5.1.7", await CommandAsync(client, "MAIL FROM:<not an address>"));
        Assert.StartsWith("250 2.1.0", await CommandAsync(client, "MAIL FROM:<jörg@remote.example> SMTPUTF8 BODY=8BITMIME SIZE=100 AUTH=<>"));
        Assert.StartsWith("555 5.5.4", await CommandAsync(client, "RCPT TO:<alice@example.test> XFOO=BAR"));
        Assert.StartsWith("501 5.5.4", await CommandAsync(client, "RCPT TO:<alice@example.test> NOTIFY=SOMETIMES"));
        Assert.StartsWith("501 5.1.3", await CommandAsync(client, "RCPT TO:<alice@>"));
    }

    [Fact]
    public async Task Non_ascii_recipient_without_smtputf8_is_refused_with_553()
    {
        await using var client = await GreetAsync();
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        Assert.StartsWith("553 5.6.7", await CommandAsync(client, "RCPT TO:<jörg@example.test>"));
    }

    [Fact]
    public async Task Domain_case_is_ignored_and_local_part_case_is_kept()
    {
        await using var client = await GreetAsync();
        await CommandAsync(client, "MAIL FROM:<Some.One@Remote.EXAMPLE>");
        Assert.StartsWith("250", await CommandAsync(client, "RCPT TO:<alice@EXAMPLE.test>"));
        await CommandAsync(client, "DATA");
        Assert.StartsWith("250 2.0.0", await CommandAsync(client, "x\r\n."));
        var (envelope, _) = server.Intake.Committed.Single();
        Assert.Equal("Some.One@remote.example", envelope.ReversePath);
        Assert.Equal(["alice@example.test"], envelope.Recipients);
    }

    [Fact]
    public async Task Data_is_unstuffed_and_bare_lf_is_stored_as_crlf()
    {
        await using var client = await GreetAsync();
        await client.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"u8.ToArray());
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.StartsWith("354", await client.ReadReplyAsync());
        await client.SendAsync("Subject: t\r\n\r\n..dot\nbare lf\r\nNUL\0byte\r\n.\r\n"u8.ToArray());
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.ReadReplyAsync());
        var (_, content) = server.Intake.Committed.Single();
        Assert.Equal("Subject: t\r\n\r\n.dot\r\nbare lf\r\nNUL\0byte\r\n", Messages.AfterReceived(content));
    }

    [Fact]
    public async Task Smuggled_end_of_data_is_refused_with_550_and_the_smuggled_commands_never_run()
    {
        await using var client = await GreetAsync();
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        await client.SendAsync("Subject: x\r\n\r\nhi\n.\nMAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: forged\r\n\r\nx\r\n.\r\n"u8.ToArray());
        Assert.StartsWith("550 5.5.2", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP")); // the next reply is ours, nothing smuggled answered
        Assert.Empty(server.Intake.Committed);
        Assert.Equal(1, server.Intake.Discarded);
    }

    [Fact]
    public async Task Message_of_exactly_max_size_is_accepted_and_one_octet_more_is_refused_with_552()
    {
        // The message is everything before the terminator's ".": its last CRLF belongs to it (RFC 5321 §4.1.1.4).
        var max = (int)SmtpTestServer.DefaultMaxMessageSize;
        var line = new string('y', 98) + "\r\n";
        var exact = string.Concat(Enumerable.Repeat(line, max / 100)) + new string('z', (max % 100) - 2) + "\r\n";
        Assert.Equal(max, Encoding.ASCII.GetByteCount(exact));

        await using var client = await GreetAsync();
        foreach (var (body, expected) in new[] { (exact, "250 2.0.0"), ("!" + exact, "552 5.3.4") })
        {
            await CommandAsync(client, "MAIL FROM:<a@remote.example>");
            await CommandAsync(client, "RCPT TO:<alice@example.test>");
            Assert.StartsWith("354", await CommandAsync(client, "DATA"));
            await client.SendAsync(Encoding.ASCII.GetBytes(body + ".\r\n"));
            Assert.StartsWith(expected, await client.ReadReplyAsync());
        }

        Assert.Single(server.Intake.Committed);
        Assert.Equal(1, server.Intake.Discarded);
    }

    [Fact]
    public async Task Bdat_chunks_pipelined_are_joined_without_unstuffing()
    {
        await using var client = await GreetAsync();
        var first = "Subject: chunks\r\n\r\n.not stuffed\r\n"u8.ToArray();
        var second = "second chunk\r\n"u8.ToArray();
        await client.SendAsync([
            .. "MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\n"u8.ToArray(),
            .. Encoding.ASCII.GetBytes($"BDAT {first.Length}\r\n"), .. first,
            .. Encoding.ASCII.GetBytes($"BDAT {second.Length}\r\n"), .. second,
            .. "BDAT 0 LAST\r\n"u8.ToArray()]);
        Assert.StartsWith("250 2.1.0", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await client.ReadReplyAsync());
        Assert.Equal($"250 2.0.0 {first.Length} octets received", await client.ReadReplyAsync());
        Assert.Equal($"250 2.0.0 {second.Length} octets received", await client.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0 Ok: queued as", await client.ReadReplyAsync());
        var (_, content) = server.Intake.Committed.Single();
        Assert.Equal("Subject: chunks\r\n\r\n.not stuffed\r\nsecond chunk\r\n", Messages.AfterReceived(content));
    }

    [Fact]
    public async Task Data_after_bdat_and_bdat_without_a_transaction_are_refused_and_the_chunk_is_not_read_as_commands()
    {
        await using var client = await GreetAsync();
        // BDAT with no MAIL: its 6 octets "QUIT\r\n" are chunk data, not a command.
        await client.SendAsync("BDAT 6\r\nQUIT\r\n"u8.ToArray());
        Assert.StartsWith("503 5.5.1", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP"));

        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        await client.SendAsync("BDAT 3\r\nabc"u8.ToArray());
        Assert.StartsWith("250 2.0.0 3 octets", await client.ReadReplyAsync());
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "DATA"));
        Assert.StartsWith("503 5.5.1", await CommandAsync(client, "MAIL FROM:<b@remote.example>"));
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "RSET"));
        Assert.Empty(server.Intake.Committed);
        Assert.Equal(1, server.Intake.Discarded);
    }

    [Fact]
    public async Task Oversize_bdat_is_refused_with_552_and_later_chunks_get_503()
    {
        await using var client = await GreetAsync();
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        var big = new byte[SmtpTestServer.DefaultMaxMessageSize + 1];
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"BDAT {big.Length}\r\n"), .. big]);
        Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync());
        await client.SendAsync("BDAT 5 LAST\r\nhello"u8.ToArray());
        Assert.StartsWith("503 5.5.1", await client.ReadReplyAsync());
        Assert.Empty(server.Intake.Committed);
    }

    [Fact]
    public async Task Malformed_bdat_closes_the_session_with_421()
    {
        await using var client = await GreetAsync();
        await client.SendLineAsync("BDAT lots");
        Assert.StartsWith("421 4.5.4", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Commands_after_quit_are_never_answered()
    {
        await using var client = await GreetAsync();
        await client.SendAsync("QUIT\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nNOOP\r\n"u8.ToArray());
        var replies = await client.ReadUntilClosedAsync();
        Assert.Equal(["221 2.0.0 Bye"], replies);
    }

    [Fact]
    public async Task Pipelined_commands_get_their_replies_in_order()
    {
        await using var client = await GreetAsync();
        await client.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"u8.ToArray());
        string?[] replies = [await client.ReadReplyAsync(), await client.ReadReplyAsync(), await client.ReadReplyAsync(), await client.ReadReplyAsync(), await client.ReadReplyAsync(), await client.ReadReplyAsync()];
        Assert.Equal(["250", "250", "550", "554", "250", "354"], replies.Select(r => r![..3]));
        await client.SendAsync("hi\r\n.\r\n"u8.ToArray());
        Assert.StartsWith("250 2.0.0", await client.ReadReplyAsync());
        Assert.Equal(["alice@example.test", "bob@example.test"], server.Intake.Committed.Single().Envelope.Recipients);
    }

    [Fact]
    public async Task A_spool_that_cannot_start_or_write_answers_451_4_3_0_after_the_data_and_the_session_goes_on()
    {
        await using var client = await GreetAsync();
        server.Intake.FailBegin = true;
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        Assert.StartsWith("451 4.3.0", await CommandAsync(client, "DATA"));
        await client.SendAsync("MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nBDAT 5 LAST\r\nhello"u8.ToArray());
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.ReadReplyAsync());
        Assert.StartsWith("451 4.3.0", await client.ReadReplyAsync());
        server.Intake.FailBegin = false;

        server.Intake.FailWrites = true;
        await CommandAsync(client, "MAIL FROM:<a@remote.example>");
        await CommandAsync(client, "RCPT TO:<alice@example.test>");
        Assert.StartsWith("354", await CommandAsync(client, "DATA"));
        Assert.StartsWith("451 4.3.0", await CommandAsync(client, "Subject: x\r\n\r\n" + new string('b', 5000) + "\r\n."));
        server.Intake.FailWrites = false;
        Assert.Equal("250 2.0.0 Ok", await CommandAsync(client, "NOOP"));
        Assert.Empty(server.Intake.Committed);
    }
}
