using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>MailKit's ImapClient against the real server over real sockets.</summary>
public sealed class MailKitImapTests
{
    private static async Task<ImapClient> ConnectAsync(ImapTestServer server, bool login = true)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        if (login)
        {
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        }

        return client;
    }

    private static string Multipart() =>
        "From: \"Ann Example\" <ann@example.test>\r\nTo: alice@example.test, \"Bob\" <bob@example.test>\r\nSubject: =?UTF-8?B?Q2Fmw6k=?= report\r\n" +
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <mp1@example.test>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello plain world\r\n" +
        "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello html</p>\r\n--inner--\r\n" +
        "--outer\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n" +
        "--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@example.test\r\nSubject: Inner\r\n\r\nInner body\r\n--outer--\r\n";

    [Fact]
    public async Task Login_lists_inbox_and_special_use_folders_created_at_first_login()
    {
        await using var server = await ImapTestServer.StartAsync();
        using var client = await ConnectAsync(server);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        var names = folders.Select(f => f.FullName).ToList();
        foreach (var name in (string[])["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"])
        {
            Assert.Contains(name, names);
        }

        Assert.Equal(FolderAttributes.Sent, folders.Single(f => f.FullName == "Sent").Attributes & FolderAttributes.Sent);
        Assert.NotNull(client.GetFolder(SpecialFolder.Trash));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_the_right_one_accepted()
    {
        await using var server = await ImapTestServer.StartAsync();
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(ImapTestServer.User, "wrong"));
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task Fetch_summaries_envelope_bodystructure_and_body_parts()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(Multipart());
        using var client = await ConnectAsync(server);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inbox.Count);
        var summary = (await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Size | MessageSummaryItems.UniqueId | MessageSummaryItems.InternalDate | MessageSummaryItems.Flags)).Single();
        Assert.Equal("Café report", summary.Envelope!.Subject);
        Assert.Equal("ann@example.test", summary.Envelope.From.Mailboxes.Single().Address);
        Assert.Equal("Ann Example", summary.Envelope.From.Mailboxes.Single().Name);
        Assert.Equal(2, summary.Envelope.To.Count);
        Assert.Equal("mp1@example.test", summary.Envelope.MessageId);
        Assert.Equal(Encoding.UTF8.GetByteCount(Multipart()), (int)summary.Size!.Value);
        var body = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal("mixed", body.ContentType.MediaSubtype);
        Assert.Equal(3, body.BodyParts.Count);
        Assert.Equal("alternative", ((BodyPartMultipart)body.BodyParts[0]).ContentType.MediaSubtype);
        var attachment = Assert.IsType<BodyPartBasic>(body.BodyParts[1]);
        Assert.Equal("data.bin", attachment.FileName);
        Assert.Equal(8, (int)attachment.Octets);
        var embedded = Assert.IsType<BodyPartMessage>(body.BodyParts[2]);
        Assert.Equal("Inner", embedded.Envelope!.Subject);
        Assert.Equal(MessageFlags.None, summary.Flags);

        var plain = (TextPart)(await inbox.GetBodyPartAsync(summary.UniqueId, ((BodyPartMultipart)body.BodyParts[0]).BodyParts[0]))!;
        Assert.Equal("Hello plain world", plain.Text.TrimEnd());
        var whole = await inbox.GetMessageAsync(summary.UniqueId);
        Assert.Equal("Café report", whole.Subject);
        Assert.Equal(3, ((Multipart)whole.Body!).Count);

        // MailKit fetches with BODY.PEEK: the message stays unseen.
        var flags = (await inbox.FetchAsync([summary.UniqueId], MessageSummaryItems.Flags)).Single().Flags;
        Assert.False(flags!.Value.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task Partial_fetch_and_header_fields_return_exact_octets()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("From: a@example.test\r\nSubject: Partial\r\nX-Other: no\r\n\r\n0123456789abcdef\r\n");
        using var client = await ConnectAsync(server);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        await using var partial = await client.Inbox.GetStreamAsync(0, "TEXT", 4, 6);
        Assert.Equal("456789", new StreamReader(partial).ReadToEnd());
        var headers = await client.Inbox.GetHeadersAsync(0);
        Assert.Equal("Partial", headers["Subject"]);
    }

    [Fact]
    public async Task Store_search_copy_move_expunge_with_uidplus()
    {
        await using var server = await ImapTestServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            server.Deliver($"From: sender{i}@example.test\r\nTo: alice@example.test\r\nSubject: Message {i}{(i == 3 ? " special" : string.Empty)}\r\n\r\nBody number {i} {(i % 2 == 0 ? "even" : "odd")}\r\n");
        }

        using var client = await ConnectAsync(server);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(5, inbox.Count);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        Assert.Equal(5, uids.Count);

        await inbox.AddFlagsAsync(uids[0], MessageFlags.Flagged | MessageFlags.Seen, true);
        Assert.Equal([uids[0]], await inbox.SearchAsync(SearchQuery.Flagged));
        Assert.Equal(4, (await inbox.SearchAsync(SearchQuery.NotSeen)).Count);
        Assert.Equal([uids[2]], await inbox.SearchAsync(SearchQuery.SubjectContains("SPECIAL")));
        Assert.Equal([uids[1], uids[3]], await inbox.SearchAsync(SearchQuery.BodyContains("even")));
        Assert.Equal([uids[4]], await inbox.SearchAsync(SearchQuery.FromContains("sender5")));
        Assert.Equal(3, (await inbox.SearchAsync(SearchQuery.Or(SearchQuery.BodyContains("even"), SearchQuery.Flagged))).Count);
        Assert.Equal(4, (await inbox.SearchAsync(SearchQuery.Not(SearchQuery.Flagged))).Count);

        var archive = await client.GetFolderAsync("Archive");
        var copied = await inbox.CopyToAsync([uids[0], uids[1]], archive);
        Assert.NotNull(copied);
        Assert.Equal(2, copied!.Destination.Count);
        var moved = await inbox.MoveToAsync(uids[2], archive);
        Assert.NotNull(moved);
        Assert.Equal(4, inbox.Count);

        await inbox.AddFlagsAsync(uids[4], MessageFlags.Deleted, true);
        await inbox.ExpungeAsync();
        Assert.Equal(3, inbox.Count);

        await archive.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(3, archive.Count);
        var archived = await archive.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.Contains(archived, s => s.Envelope!.Subject == "Message 3 special");
        Assert.True(archived.Single(s => s.Envelope!.Subject == "Message 1").Flags!.Value.HasFlag(MessageFlags.Flagged));
    }

    [Fact]
    public async Task Append_returns_appenduid_and_keeps_flags_and_date()
    {
        await using var server = await ImapTestServer.StartAsync();
        using var client = await ConnectAsync(server);
        var drafts = await client.GetFolderAsync("Drafts");
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", ImapTestServer.User));
        message.To.Add(new MailboxAddress("Bob", ImapTestServer.OtherUser));
        message.Subject = "Draft ünïcode";
        message.Body = new TextPart("plain") { Text = "draft body" };
        var date = new DateTimeOffset(2024, 3, 5, 10, 20, 30, TimeSpan.FromHours(2));
        var uid = await drafts.AppendAsync(message, MessageFlags.Draft | MessageFlags.Seen, date);
        Assert.NotNull(uid);
        await drafts.OpenAsync(FolderAccess.ReadOnly);
        var summary = (await drafts.FetchAsync([uid!.Value], MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope)).Single();
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Draft));
        Assert.Equal(date.UtcDateTime, summary.InternalDate!.Value.UtcDateTime);
        Assert.Equal("Draft ünïcode", summary.Envelope!.Subject);
    }

    [Fact]
    public async Task A_message_with_a_large_attachment_appended_past_the_literal_memory_limit_comes_back_whole()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Imap:LiteralMemoryLimit"] = "65536" });
        using var client = await ConnectAsync(server);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.LiteralPlus), "MailKit would not send a non-synchronizing literal");
        var sent = await client.GetFolderAsync("Sent");
        var attachment = new byte[3 * 1024 * 1024];
        new Random(8).NextBytes(attachment);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", ImapTestServer.User));
        message.To.Add(new MailboxAddress("Bob", ImapTestServer.OtherUser));
        message.Subject = "Photos";
        var body = new BodyBuilder { TextBody = "The photos, as promised." };
        body.Attachments.Add("photos.bin", attachment);
        message.Body = body.ToMessageBody();

        var uid = await sent.AppendAsync(message, MessageFlags.Seen);

        Assert.NotNull(uid);
        await sent.OpenAsync(FolderAccess.ReadOnly);
        var back = await sent.GetMessageAsync(uid!.Value);
        var part = Assert.Single(back.Attachments.OfType<MimePart>());
        using var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded);
        Assert.True(decoded.ToArray().AsSpan().SequenceEqual(attachment));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.SpoolRoot, "imap"))); // made by the spill, and nothing left in it
    }

    [Fact]
    public async Task Create_rename_delete_subscribe_and_status()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: one\r\n\r\nx\r\n");
        using var client = await ConnectAsync(server);
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var work = (await root.CreateAsync("Work", true))!;
        var projects = (await work.CreateAsync("Projects", true))!;
        Assert.Equal("Work.Projects", projects.FullName);
        await projects.SubscribeAsync();
        var subscribed = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, true);
        Assert.Contains(subscribed, f => f.FullName == "Work.Projects");

        await work.RenameAsync(root, "Job");
        var names = (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName).ToList();
        Assert.Contains("Job.Projects", names);
        Assert.DoesNotContain("Work", names);

        var job = await client.GetFolderAsync("Job.Projects");
        await job.DeleteAsync();
        Assert.DoesNotContain("Job.Projects", (await client.GetFoldersAsync(client.PersonalNamespaces[0])).Select(f => f.FullName));

        await client.Inbox.StatusAsync(StatusItems.Count | StatusItems.Unread | StatusItems.UidNext | StatusItems.UidValidity);
        Assert.Equal(1, client.Inbox.Count);
        Assert.Equal(1, client.Inbox.Unread);
        Assert.Equal(2u, client.Inbox.UidNext!.Value.Id);
    }

    [Fact]
    public async Task Idle_reports_a_new_delivery_while_the_client_waits()
    {
        await using var server = await ImapTestServer.StartAsync();
        using var client = await ConnectAsync(server);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Inbox.CountChanged += (_, _) => arrived.TrySetResult(client.Inbox.Count);
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(200);
        server.Deliver("Subject: wake up\r\n\r\nnow\r\n");
        // Behaviour, not speed: the EXISTS must come unprompted during IDLE (latency is bench/imap's row).
        var winner = await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        await done.CancelAsync();
        await idle;
        Assert.Same(arrived.Task, winner);
        Assert.Equal(1, await arrived.Task);
    }

    [Fact]
    public async Task Expunge_in_one_session_reaches_the_other_at_noop()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver("Subject: one\r\n\r\nx\r\n");
        server.Deliver("Subject: two\r\n\r\ny\r\n");
        using var first = await ConnectAsync(server);
        using var second = await ConnectAsync(server);
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var expunged = new List<int>();
        second.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);
        var flagsChanged = 0;
        second.Inbox.MessageFlagsChanged += (_, _) => flagsChanged++;

        await first.Inbox.AddFlagsAsync(1, MessageFlags.Flagged, true);
        await second.NoOpAsync();
        Assert.Equal(1, flagsChanged);

        await first.Inbox.AddFlagsAsync(0, MessageFlags.Deleted, true);
        await first.Inbox.ExpungeAsync();
        await second.NoOpAsync();
        Assert.Equal([0], expunged);
        Assert.Equal(1, second.Inbox.Count);
    }

    [Fact]
    public async Task Starttls_then_login_and_implicit_tls_both_work()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Facteur:AllowPlaintextAuth"] = "false" });
        using (var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
            Assert.True(client.IsSecure);
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        }

        using (var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", server.TlsPort, SecureSocketOptions.SslOnConnect);
            await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
            Assert.True(client.IsAuthenticated);
        }
    }

    [Fact]
    public async Task Namespace_id_and_unselect()
    {
        await using var server = await ImapTestServer.StartAsync();
        using var client = await ConnectAsync(server);
        var implementation = await client.IdentifyAsync(new ImapImplementation { Name = "test", Version = "1" });
        Assert.Equal("Facteur", implementation.Name);
        Assert.Equal(".", client.PersonalNamespaces[0].DirectorySeparator.ToString());
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await client.Inbox.CloseAsync(false);
        Assert.False(client.Inbox.IsOpen);
    }
}
