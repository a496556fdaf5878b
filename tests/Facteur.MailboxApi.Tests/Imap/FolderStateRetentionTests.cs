using System.Runtime.CompilerServices;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Index;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>Mailbox:FolderStateRetention over real sockets: a state the store let go of comes back the same.</summary>
public sealed class FolderStateRetentionTests
{
    [Fact]
    public async Task A_state_released_after_logout_is_collected_and_reloads_with_the_same_uids_flags_and_modseqs()
    {
        await using var server = await ImapTestServer.StartAsync(new() { ["Mailbox:FolderStateRetention"] = "00:00:00" });
        for (var i = 1; i <= 5; i++)
        {
            server.Deliver(MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        var store = server.Services.GetRequiredService<MessageStore>();
        var before = await DescribeInboxAsync(server, flagUid: 3);

        // The session's teardown after LOGOUT runs beside the client's return: give it a moment.
        for (var i = 0; i < 50 && IsOpen(store); i++)
        {
            store.ReleaseIdle();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(100);
        }

        Assert.Null(store.FindOpenFolder(ImapTestServer.User, "INBOX"));
        var after = await DescribeInboxAsync(server, flagUid: null);
        Assert.Equal(before, after);
        Assert.Contains("3:Flagged", after, StringComparison.Ordinal);
    }

    // In a method of its own: a Debug build keeps a call's result alive in the caller's frame, which would hold the
    // very state the loop waits to see collected.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsOpen(MessageStore store) => store.FindOpenFolder(ImapTestServer.User, "INBOX") is not null;

    private static async Task<string> DescribeInboxAsync(ImapTestServer server, uint? flagUid)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        if (flagUid is { } uid)
        {
            await client.Inbox.AddFlagsAsync(new UniqueId(uid), MailKit.MessageFlags.Flagged, silent: true);
        }

        await client.Inbox.StatusAsync(StatusItems.HighestModSeq | StatusItems.UidNext | StatusItems.UidValidity);
        var messages = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.ModSeq);
        var description = $"{client.Inbox.UidValidity} {client.Inbox.UidNext} {client.Inbox.HighestModSeq} "
            + string.Join(",", messages.Select(m => $"{m.UniqueId.Id}:{m.Flags}:{m.ModSeq}"));
        await client.DisconnectAsync(quit: true);
        return description;
    }
}
