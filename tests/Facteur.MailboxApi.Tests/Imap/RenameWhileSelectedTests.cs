namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>A folder renamed by another session while this one has it selected (the webmail's case).</summary>
public sealed class RenameWhileSelectedTests
{
    [Fact]
    public async Task A_session_whose_selected_folder_was_renamed_elsewhere_gets_its_answer_then_bye()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var a = await RawImapClient.ConnectAsync(server.Port);
        await using var b = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a1 OK", (await a.CommandAsync("a1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("b1 OK", (await b.CommandAsync("b1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("a2 OK", (await a.CommandAsync("a2", "CREATE Work"))[^1]);
        Assert.StartsWith("a3 OK", (await a.CommandAsync("a3", "SELECT Work"))[^1]);

        Assert.StartsWith("b2 OK", (await b.CommandAsync("b2", "RENAME Work Job"))[^1]);

        // The command is answered (LIST-STATUS shows the new name), then the session that had the old name
        // selected is told BYE and closed, as Dovecot does: there is no other way to say the mailbox is gone.
        var list = await a.CommandAsync("a4", "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.StartsWith("a4 OK", list[^1]);
        Assert.Contains(list, l => l.StartsWith("* STATUS \"Job\" (MESSAGES 0 UNSEEN 0)", StringComparison.Ordinal));
        Assert.Contains(list, l => l.StartsWith("* BYE ", StringComparison.Ordinal));
        Assert.True(await a.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));

        // A new session sees the new name.
        await using var again = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("c1 OK", (await again.CommandAsync("c1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("c2 OK", (await again.CommandAsync("c2", "SELECT Job"))[^1]);
    }

    [Fact]
    public async Task Renaming_the_selected_folder_in_the_same_session_closes_it_without_disconnecting()
    {
        await using var server = await ImapTestServer.StartAsync();
        await using var a = await RawImapClient.ConnectAsync(server.Port);
        Assert.StartsWith("a1 OK", (await a.CommandAsync("a1", $"LOGIN \"{ImapTestServer.User}\" \"{ImapTestServer.Password}\""))[^1]);
        Assert.StartsWith("a2 OK", (await a.CommandAsync("a2", "CREATE Work"))[^1]);
        Assert.StartsWith("a3 OK", (await a.CommandAsync("a3", "SELECT Work"))[^1]);

        var rename = await a.CommandAsync("a4", "RENAME Work Job");
        Assert.StartsWith("a4 OK", rename[^1]);
        Assert.Contains(rename, l => l.StartsWith("* OK [CLOSED]", StringComparison.Ordinal));
        Assert.StartsWith("a5 BAD", (await a.CommandAsync("a5", "FETCH 1 FLAGS"))[^1]);
        Assert.StartsWith("a6 OK", (await a.CommandAsync("a6", "SELECT Job"))[^1]);
    }
}
