using System.Globalization;
using Facteur.MailboxApi.Tests.Infrastructure;

namespace Facteur.MailboxApi.Tests.Pop3;

/// <summary>fetchmail and getmail6 pull a maildrop: keep (and nothing again on the next run), then delete.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(ExternalProcessesCollection.Name)]
public sealed class RealClientTests
{
    private const int Messages = 500;

    private static void SeedMaildrop(Pop3TestServer server, int messages = Messages)
    {
        for (var i = 0; i < messages; i++)
        {
            MaildirSeed.Deliver(server.Maildir(), MaildirSeed.Message($"bulk {i}", $"line of message {i}\r\n.dotted {i}\r\n"));
        }
    }

    [ToolFact("/usr/bin/fetchmail")]
    public async Task Fetchmail_keeps_then_fetches_nothing_new_then_deletes_500_messages()
    {
        await using var server = await Pop3TestServer.StartAsync();
        SeedMaildrop(server);
        using var scratch = new ScratchDirectory();
        var outbox = Directory.CreateDirectory(Path.Combine(scratch.Path, "out")).FullName;
        var deliver = Path.Combine(scratch.Path, "deliver.sh");
        await File.WriteAllTextAsync(deliver, $"#!/bin/sh\nexec cat > \"{outbox}/$(date +%s%N)-$$\"\n");
        File.SetUnixFileMode(deliver, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        async Task<int> RunAsync(string options)
        {
            var rc = Path.Combine(scratch.Path, "fetchmailrc");
            await File.WriteAllTextAsync(rc,
                $"set no bouncemail\npoll 127.0.0.1 with proto POP3 port {server.Port} uidl\n" +
                $"  user \"{Pop3TestServer.User}\" there with password \"{Pop3TestServer.Password}\" is root here\n" +
                $"  {options} sslproto '' mda \"{deliver}\"\n");
            File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var before = Directory.GetFiles(outbox).Length;
            var (exit, output) = await Tool.RunAsync("/usr/bin/fetchmail",
                ["-f", rc, "-i", Path.Combine(scratch.Path, "fetchids"), "--nosyslog", "-N", "-d0"],
                environment: new Dictionary<string, string> { ["HOME"] = scratch.Path });
            // 0: mail fetched, 1: no new mail (fetchmail(1), EXIT CODES).
            Assert.True(exit is 0 or 1, $"fetchmail exited {exit}: {output}");
            return Directory.GetFiles(outbox).Length - before;
        }

        Assert.Equal(Messages, await RunAsync("keep"));
        Assert.Equal(Messages, MaildirSeed.FileCount(server.Maildir()));
        Assert.Equal(0, await RunAsync("keep")); // UIDL unchanged: nothing downloaded again
        Assert.Equal(Messages, await RunAsync("nokeep fetchall"));
        Assert.Equal(0, MaildirSeed.FileCount(server.Maildir()));
        var sample = await File.ReadAllTextAsync(Directory.GetFiles(outbox)[0]);
        Assert.Contains("\n.dotted ", sample.Replace("\r\n", "\n"));
    }

    // getmail's local destinations (Maildir, mboxrd, MDA_external) fork a child per message and
    // install their SIGCHLD handler only after fork() returns (getmailcore/baseclasses.py,
    // ForkingBase.forkchild / _prepare_child), then wait on a condition with no check of whether the
    // child already exited: under load a child that finishes first loses its wake-up and the run
    // fails with "waiting child pid … timed out". That is getmail's race, not the POP3 session's, so
    // the test delivers through getmail's MDA_lmtp destination (in-process, no fork) to a sink.
    [ToolFact("/usr/bin/getmail")]
    public async Task Getmail_keeps_then_fetches_nothing_new_then_deletes_500_messages()
    {
        await using var server = await Pop3TestServer.StartAsync();
        SeedMaildrop(server);
        using var scratch = new ScratchDirectory();
        using var sink = new LmtpSink(Path.Combine(scratch.Path, "lmtp.sock"));
        var getmailDir = Directory.CreateDirectory(Path.Combine(scratch.Path, "state")).FullName;

        async Task<int> RunAsync(bool delete)
        {
            var rc = Path.Combine(scratch.Path, "getmailrc");
            await File.WriteAllTextAsync(rc, string.Create(CultureInfo.InvariantCulture,
                $"[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = {server.Port}\nusername = {Pop3TestServer.User}\npassword = {Pop3TestServer.Password}\n\n" +
                $"[destination]\ntype = MDA_lmtp\nhost = {sink.SocketPath}\noverride = {Pop3TestServer.User}\n\n" +
                $"[options]\nread_all = {(delete ? "true" : "false")}\ndelete = {(delete ? "true" : "false")}\nverbose = 0\n"));
            var before = sink.Count;
            var (exit, output) = await Tool.RunAsync("/usr/bin/getmail", ["--rcfile", rc, "--getmaildir", getmailDir]);
            Assert.True(exit == 0, $"getmail exited {exit}: {output}");
            return sink.Count - before;
        }

        Assert.Equal(Messages, await RunAsync(delete: false));
        Assert.Equal(0, await RunAsync(delete: false)); // remembers UIDLs: nothing again
        Assert.Equal(Messages, MaildirSeed.FileCount(server.Maildir()));
        Assert.Equal(Messages, await RunAsync(delete: true));
        Assert.Equal(0, MaildirSeed.FileCount(server.Maildir()));
        // What getmail handed on is the message as stored: dot-stuffing undone, every message distinct.
        var texts = sink.Messages.Select(m => System.Text.Encoding.Latin1.GetString(m)).ToList();
        Assert.All(texts, text => Assert.Matches(@"\n\.dotted \d+\r\n", text));
        Assert.Equal(Messages, texts.Select(text => System.Text.RegularExpressions.Regex.Match(text, @"Subject: bulk \d+").Value).Distinct().Count());
    }
}
