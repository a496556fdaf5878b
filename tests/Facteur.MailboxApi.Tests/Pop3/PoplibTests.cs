using System.Globalization;
using System.Text.Json;
using Facteur.MailboxApi.Tests.Infrastructure;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>Python's poplib, a second independent client, for every command.</summary>
public sealed class PoplibTests
{
    private const string EveryCommand = """
import json, poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=30)
out = {'welcome': p.getwelcome().decode()}
out['capa'] = sorted(p.capa().keys())
out['user'] = p.user(sys.argv[2]).decode()
out['pass'] = p.pass_(sys.argv[3]).decode()
out['stat'] = list(p.stat())
resp, lines, octets = p.list()
out['list'] = [l.decode() for l in lines]
out['list1'] = p.list(1).decode()
resp, lines, octets = p.uidl()
out['uidl'] = [l.decode() for l in lines]
out['uidl2'] = p.uidl(2).decode()
resp, lines, octets = p.retr(1)
out['retr1'] = [l.decode() for l in lines]
out['retr1_octets'] = octets
resp, lines, octets = p.top(2, 1)
out['top2'] = [l.decode() for l in lines]
out['noop'] = p.noop().decode()
out['dele2'] = p.dele(2).decode()
try:
    p.retr(2)
    out['retr_deleted'] = 'accepted'
except poplib.error_proto as e:
    out['retr_deleted'] = e.args[0].decode()
out['rset'] = p.rset().decode()
out['dele3'] = p.dele(3).decode()
out['quit'] = p.quit().decode()
print(json.dumps(out))
""";

    [Fact]
    public async Task Poplib_runs_every_command_and_dele_quit_removes_only_the_marked_message()
    {
        await using var server = await Pop3TestServer.StartAsync();
        var maildir = server.Maildir();
        var first = "Subject: first\n\n.dot line\nbody\n"; // LF-only with a leading dot
        MaildirSeed.Deliver(maildir, first, withSizes: false);
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("second", "b1\r\nb2\r\n"));
        MaildirSeed.Deliver(maildir, MaildirSeed.Message("third", "c\r\n"));

        var json = await Python.RunAsync(EveryCommand, server.Port.ToString(CultureInfo.InvariantCulture), Pop3TestServer.User, Pop3TestServer.Password);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.StartsWith("+OK", root.GetProperty("welcome").GetString());
        var capa = root.GetProperty("capa").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("TOP", capa);
        Assert.Contains("UIDL", capa);
        Assert.Contains("SASL", capa);
        Assert.Contains("RESP-CODES", capa);
        Assert.Contains("AUTH-RESP-CODE", capa);
        Assert.Contains("PIPELINING", capa);
        Assert.Contains("IMPLEMENTATION", capa);
        Assert.Equal(3, root.GetProperty("stat")[0].GetInt32());

        var firstSize = first.Replace("\n", "\r\n").Length;
        Assert.Equal($"1 {firstSize}", root.GetProperty("list")[0].GetString());
        Assert.Equal($"+OK 1 {firstSize}", root.GetProperty("list1").GetString());
        // poplib counts octets without the stuffing: it must equal what LIST announced.
        Assert.Equal(firstSize, root.GetProperty("retr1_octets").GetInt32());
        Assert.Equal(["Subject: first", "", ".dot line", "body"], root.GetProperty("retr1").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("body", root.GetProperty("retr1")[3].GetString());
        Assert.Equal("b1", root.GetProperty("top2").EnumerateArray().Last().GetString());

        var uidValidity = new MaildirFolder(maildir).ReadUidList()!.UidValidity;
        Assert.Equal(
            Enumerable.Range(1, 3).Select(u => string.Create(CultureInfo.InvariantCulture, $"{u} {u:x8}{uidValidity:x8}")),
            root.GetProperty("uidl").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"+OK 2 {2:x8}{uidValidity:x8}"), root.GetProperty("uidl2").GetString());
        Assert.Equal("-ERR Message 2 is deleted.", root.GetProperty("retr_deleted").GetString());
        Assert.StartsWith("+OK", root.GetProperty("quit").GetString());

        // RSET undid DELE 2; only DELE 3 (after RSET) took effect at QUIT.
        var remaining = new MaildirFolder(maildir).ReadUidList();
        var snapshot = await new MaildirFolder(maildir).SynchronizeAsync();
        Assert.Equal([1u, 2u], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(remaining!.UidValidity, snapshot.UidValidity);
    }

    [Fact]
    public async Task Poplib_sees_the_same_uidl_list_in_a_later_session()
    {
        await using var server = await Pop3TestServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message($"m{i}", "x\r\n"));
        }

        const string script = """
import poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=30)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
print('\n'.join(l.decode() for l in p.uidl()[1]))
p.quit()
""";
        var port = server.Port.ToString(CultureInfo.InvariantCulture);
        var first = await Python.RunAsync(script, port, Pop3TestServer.User, Pop3TestServer.Password);
        MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message("new one", "x\r\n"));
        var second = await Python.RunAsync(script, port, Pop3TestServer.User, Pop3TestServer.Password);
        var firstLines = first.Trim().Split('\n');
        var secondLines = second.Trim().Split('\n');
        Assert.Equal(5, firstLines.Length);
        Assert.Equal(firstLines, secondLines.Take(5));
        Assert.Equal(6, secondLines.Length);
    }
}
