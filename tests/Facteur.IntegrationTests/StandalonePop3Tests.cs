using Facteur.IntegrationTests.Infrastructure;

namespace Facteur.IntegrationTests;

/// <summary>The whole standalone path: SMTP in, Maildir, POP3 out (Python's poplib), in one process.</summary>
public sealed class StandalonePop3Tests
{
    [Fact]
    public async Task Mail_received_over_smtp_is_retrieved_over_pop3_with_the_same_bytes_and_a_stable_uidl()
    {
        using var site = new TestSite().WithUser("alice@esp.sn");
        await using var host = new StandaloneHost(site);
        await host.StartAsync();
        await host.Process.WaitForPortsAsync(TimeSpan.FromSeconds(30), site.Pop3Port);

        for (var i = 0; i < 3; i++)
        {
            await SmtpClients.SendAsync(site.SmtpPort, SmtpClients.Message("x@remote.example", "alice@esp.sn", $"pop-{i}", $".leading dot line {i}\r\nbody {i}"));
        }

        var files = await site.Maildir("alice@esp.sn").WaitForAsync(3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, files.Count);
        var octets = files.Sum(f => new FileInfo(f).Length);

        var script = $$"""
            import poplib, sys
            p = poplib.POP3('127.0.0.1', {{site.Pop3Port}}, timeout=30)
            p.user('alice@esp.sn'); p.pass_('{{TestSite.Password}}')
            count, size = p.stat()
            uidls = [l.decode().split()[1] for l in p.uidl()[1]]
            subjects = []
            for n in range(1, count + 1):
                lines = p.retr(n)[1]
                subjects.append([l.decode() for l in lines if l.startswith(b'Subject:')][0])
                assert any(l == b'.leading dot line %d' % (n - 1) or l.startswith(b'.leading dot') for l in lines)
            p.quit()
            p = poplib.POP3('127.0.0.1', {{site.Pop3Port}}, timeout=30)
            p.user('alice@esp.sn'); p.pass_('{{TestSite.Password}}')
            again = [l.decode().split()[1] for l in p.uidl()[1]]
            p.quit()
            print(count, size, ' '.join(uidls), '|', ' '.join(again), '|', ';'.join(sorted(subjects)))
            """;
        var (code, output) = await SmtpClients.PythonAsync(script);
        Assert.True(code == 0, output);
        var parts = output.Trim().Split('|');
        var head = parts[0].Trim().Split(' ');
        Assert.Equal("3", head[0]);
        Assert.Equal(octets, long.Parse(head[1]));
        Assert.Equal(parts[0].Trim().Split(' ')[2..], parts[1].Trim().Split(' '));
        Assert.Equal("Subject: pop-0;Subject: pop-1;Subject: pop-2", parts[2].Trim());
        // Retrieved messages are \Seen and in cur/, so IMAP shows them read.
        Assert.All(site.Maildir("alice@esp.sn").Files(), f => Assert.Matches(@"/cur/[^/]+:2,[A-Z]*S[A-Z]*$", f));
    }
}
