using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>Looks at (and changes) the server's side with MailKit, one short session per question, as a sync test's referee.</summary>
internal static class MailKitProbe
{
    /// <summary>Messages per folder (STATUS MESSAGES).</summary>
    public static async Task<Dictionary<string, int>> CountsAsync(ImapTestServer server)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        var counts = new Dictionary<string, int>();
        foreach (var folder in await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count))
        {
            counts[folder.FullName] = folder.Count;
        }

        await client.DisconnectAsync(true);
        return counts;
    }

    public static async Task<MessageFlags?> FlagsAsync(ImapTestServer server, string folder, string subject)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        var mailbox = await client.GetFolderAsync(folder);
        await mailbox.OpenAsync(FolderAccess.ReadOnly);
        var uids = await mailbox.SearchAsync(SearchQuery.SubjectContains(subject));
        Assert.True(uids.Count <= 1, $"{subject} is on the server {uids.Count} times");
        MessageFlags? flags = null;
        if (uids.Count == 1)
        {
            flags = (await mailbox.FetchAsync(uids, MessageSummaryItems.Flags))[0].Flags;
        }

        await client.DisconnectAsync(true);
        return flags;
    }

    public static async Task AddFlagsAsync(ImapTestServer server, string folder, string subject, MessageFlags flags, bool expunge = false)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        var mailbox = await client.GetFolderAsync(folder);
        await mailbox.OpenAsync(FolderAccess.ReadWrite);
        var uid = Assert.Single(await mailbox.SearchAsync(SearchQuery.SubjectContains(subject)));
        await mailbox.AddFlagsAsync(uid, flags, silent: true);
        if (expunge)
        {
            await mailbox.ExpungeAsync();
        }

        await client.DisconnectAsync(true);
    }
}
