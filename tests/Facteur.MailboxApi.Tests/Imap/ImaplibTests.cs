using Facteur.MailboxApi.Tests.Infrastructure;
using Xunit;

namespace Facteur.MailboxApi.Tests.Imap;

/// <summary>Python 3's imaplib, a strict RFC 3501 client, drives the real server.</summary>
public sealed class ImaplibTests
{
    private const string Script = """
import imaplib, sys, re
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
M = imaplib.IMAP4('127.0.0.1', port)
out = []
def check(typ, data, what):
    if typ != 'OK':
        raise SystemExit(f'{what}: {typ} {data}')
    return data
check(*M.login(user, password), 'login')
out.append('caps=' + ' '.join(sorted(c for c in M.capabilities if c in ('IDLE','UIDPLUS','MOVE','NAMESPACE','UNSELECT','LITERAL+'))))
typ, data = M.list()
check(typ, data, 'list')
out.append('folders=' + ','.join(sorted(re.search(rb'"([^"]*)"$', l).group(1).decode() for l in data)))
check(*M.create('Projects'), 'create')
check(*M.subscribe('Projects'), 'subscribe')
typ, data = M.lsub('""', 'Proj*')
out.append('lsub=' + str(len(data)))
check(*M.append('Projects', r'(\Flagged)', imaplib.Time2Internaldate(1700000000), b'Subject: appended\r\nFrom: a@example.test\r\n\r\nappended body\r\n'), 'append')
typ, data = M.select('INBOX')
out.append('exists=' + data[0].decode())
typ, data = M.search(None, 'OR', 'SUBJECT', 'first', 'SUBJECT', 'third')
out.append('search=' + data[0].decode())
typ, data = M.fetch('1', '(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
out.append('subject=' + data[0][1].decode().strip())
typ, data = M.uid('FETCH', '1:*', '(FLAGS)')
out.append('uidfetch=' + str(len(data)))
check(*M.store('2', '+FLAGS', r'(\Deleted)'), 'store')
typ, data = M.expunge()
out.append('expunged=' + ','.join(d.decode() for d in data if d))
typ, data = M.copy('1', 'Projects')
out.append('copy=' + typ)
typ, data = M.status('Projects', '(MESSAGES UNSEEN)')
out.append('status=' + data[0].decode())
check(*M.rename('Projects', 'Archive2'), 'rename')
check(*M.delete('Archive2'), 'delete')
M.close()
M.logout()
print('\n'.join(out))
""";

    [Fact]
    public async Task Imaplib_runs_a_full_session()
    {
        await using var server = await ImapTestServer.StartAsync();
        server.Deliver(MaildirSeed.Message("first", "one\r\n"));
        server.Deliver(MaildirSeed.Message("second", "two\r\n"));
        server.Deliver(MaildirSeed.Message("third", "three\r\n"));
        var output = await Python.RunAsync(Script, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ImapTestServer.User, ImapTestServer.Password);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
        Assert.Equal("IDLE LITERAL+ MOVE NAMESPACE UIDPLUS UNSELECT", lines["caps"]);
        Assert.Equal("Archive,Drafts,INBOX,Junk,Sent,Trash", lines["folders"]);
        Assert.Equal("1", lines["lsub"]);
        Assert.Equal("3", lines["exists"]);
        Assert.Equal("1 3", lines["search"]);
        Assert.Equal("Subject: first", lines["subject"]);
        Assert.Equal("3", lines["uidfetch"]);
        Assert.Equal("2", lines["expunged"]);
        Assert.Equal("OK", lines["copy"]);
        Assert.Equal("\"Projects\" (MESSAGES 2 UNSEEN 2)", lines["status"]);
    }
}
