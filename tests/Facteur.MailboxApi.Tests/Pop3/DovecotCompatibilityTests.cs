using System.Globalization;
using System.Text;
using System.Text.Json;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>
/// The same Maildir served by Debian's Dovecot and by Facteur, one after the other, in both
/// orders: the UIDL and LIST answers must be identical, so a client that kept its leave-on-server
/// list downloads nothing again after the move, and Dovecot still reads what Facteur wrote.
/// </summary>
[Collection(ExternalProcessesCollection.Name)]
public sealed class DovecotCompatibilityTests
{
    private const string UidlAndList = """
import json, poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=30)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
out = {'uidl': [l.decode() for l in p.uidl()[1]], 'list': [l.decode() for l in p.list()[1]]}
if len(sys.argv) > 4:
    p.retr(int(sys.argv[4]))
    p.dele(int(sys.argv[4]))
p.quit()
print(json.dumps(out))
""";

    [DovecotFact]
    public async Task Dovecot_made_maildir_gives_facteur_the_same_uidl_and_list()
    {
        using var scratch = new ScratchDirectory();
        var mailRoot = scratch.Path;
        var maildir = Path.Combine(mailRoot, "example.test", "alice");
        SeedMixedMaildir(maildir);

        string dovecotView;
        await using (var dovecot = await DovecotServer.StartAsync("pop3", mailRoot, Pop3TestServer.User, Pop3TestServer.Password))
        {
            dovecotView = await QueryAsync(dovecot.Port);
        }

        Assert.True(File.Exists(Path.Combine(maildir, "dovecot-uidlist")), "Dovecot wrote its uidlist");
        await using var facteur = await Pop3TestServer.StartAsync(mailRoot: mailRoot);
        var facteurView = await QueryAsync(facteur.Port);
        Assert.Equal(dovecotView, facteurView);
        Assert.Equal(6, JsonDocument.Parse(facteurView).RootElement.GetProperty("uidl").GetArrayLength());
    }

    [DovecotFact]
    public async Task Dovecot_reads_the_uidlist_facteur_wrote_and_gives_the_same_uidl_and_list()
    {
        using var scratch = new ScratchDirectory();
        var mailRoot = scratch.Path;
        var maildir = Path.Combine(mailRoot, "example.test", "alice");
        SeedMixedMaildir(maildir);

        string facteurView;
        await using (var facteur = await Pop3TestServer.StartAsync(mailRoot: mailRoot))
        {
            // Retrieve and delete message 2, then a new message arrives: UIDs go on from N.
            await QueryAsync(facteur.Port, retrieveAndDelete: 2);
            MaildirSeed.Deliver(maildir, MaildirSeed.Message("after", "x\r\n"));
            facteurView = await QueryAsync(facteur.Port);
        }

        var uidList = new MaildirFolder(maildir).ReadUidList()!;
        await using (var dovecot = await DovecotServer.StartAsync("pop3", mailRoot, Pop3TestServer.User, Pop3TestServer.Password))
        {
            Assert.Equal(facteurView, await QueryAsync(dovecot.Port));
        }

        // Dovecot kept Facteur's UIDVALIDITY and UIDs.
        var after = new MaildirFolder(maildir).ReadUidList()!;
        Assert.Equal(uidList.UidValidity, after.UidValidity);
        Assert.Equal(uidList.Records.Select(r => (r.Uid, r.Key)), after.Records.Select(r => (r.Uid, r.Key)));
    }

    [DovecotFact]
    public async Task Dovecot_and_facteur_assigning_uids_at_the_same_time_as_deliveries_never_give_a_file_two_uids()
    {
        using var scratch = new ScratchDirectory();
        var maildir = Path.Combine(scratch.Path, "example.test", "alice");
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("first", "x\r\n"));
        await using var dovecot = await DovecotServer.StartAsync("pop3", scratch.Path, Pop3TestServer.User, Pop3TestServer.Password);

        const int messages = 120;
        const string dovecotLoop = """
import poplib, sys, time
seen = set()
deadline = time.time() + 60
for i in range(int(sys.argv[4])):
    if time.time() > deadline: break
    p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=30)
    p.user(sys.argv[2])
    try:
        p.pass_(sys.argv[3])
    except poplib.error_proto:
        p.quit(); continue   # [IN-USE]: another of these loops has the maildrop
    seen.update(l.decode().split()[1] for l in p.uidl()[1])
    p.quit()
print('\n'.join(sorted(seen)))
""";
        // Two Dovecot POP3 clients (each session syncs the uidlist in its own Dovecot process),
        // Facteur synchronizers on two threads, and a delivery agent, all at once.
        var port = dovecot.Port.ToString(CultureInfo.InvariantCulture);
        var dovecotClients = Enumerable.Range(0, 2).Select(_ => Python.RunAsync(dovecotLoop, port, Pop3TestServer.User, Pop3TestServer.Password, "40")).ToList();
        var delivering = Task.Run(async () =>
        {
            for (var i = 0; i < messages - 1; i++)
            {
                MaildirSeed.Deliver(maildir, MaildirSeed.Message($"m{i}", "x\r\n"));
                await Task.Delay(5);
            }
        });
        var facteurSyncs = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var snapshots = new List<MaildirSnapshot>();
            for (var i = 0; i < 30; i++)
            {
                snapshots.Add(await new MaildirFolder(maildir).SynchronizeAsync());
                await Task.Delay(10);
            }

            return snapshots;
        })).ToList();

        await delivering;
        var dovecotUidls = (await Task.WhenAll(dovecotClients)).SelectMany(o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        var snapshots = (await Task.WhenAll(facteurSyncs)).SelectMany(s => s).ToList();
        var final = await new MaildirFolder(maildir).SynchronizeAsync();

        Assert.Equal(messages, final.Messages.Count);
        var uids = final.Messages.Select(m => m.Uid).ToList();
        Assert.Equal(uids.Distinct().Order(), uids);
        var uidOf = final.Messages.ToDictionary(m => m.Key, m => m.Uid);
        foreach (var snapshot in snapshots)
        {
            Assert.Equal(final.UidValidity, snapshot.UidValidity);
            Assert.All(snapshot.Messages, m => Assert.Equal(uidOf[m.Key], m.Uid));
        }

        // Every UIDL Dovecot handed out names a UID the final list gives to a message: none was reassigned.
        Assert.NotEmpty(dovecotUidls);
        var finalUidls = final.Messages.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Uid:x8}{final.UidValidity:x8}")).ToHashSet();
        Assert.Subset(finalUidls, dovecotUidls);
    }

    private static void SeedMixedMaildir(string maildir)
    {
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("one", "plain\r\n"));
        MaildirSeed.Deliver(maildir, "Subject: lf only\n\n.dotted\nline\n", withSizes: false);
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("seen", "x\r\n"), intoCur: true, info: "S");
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("flagged", "x\r\n"), intoCur: true, info: "FRS");
        MaildirSeed.Deliver(maildir, Encoding.UTF8.GetBytes("Subject: big\n\n" + string.Concat(Enumerable.Repeat("0123456789\n", 5000))), withSizes: false);
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("last", "x\r\n"));
    }

    private static Task<string> QueryAsync(int port, int? retrieveAndDelete = null)
    {
        var arguments = new List<string> { port.ToString(CultureInfo.InvariantCulture), Pop3TestServer.User, Pop3TestServer.Password };
        if (retrieveAndDelete is { } number)
        {
            arguments.Add(number.ToString(CultureInfo.InvariantCulture));
        }

        return Python.RunAsync(UidlAndList, [.. arguments]);
    }
}
