using System.Text;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

/// <summary>A temporary mail root with one user, and ways to change its Maildir "as another program would".</summary>
internal sealed class IndexTestMaildir : IDisposable
{
    public const string User = "alice@example.org";
    private static int counter;
    private readonly TempMailRoot _root = new();

    public IndexTestMaildir(long quotaBytes = 0, TimeSpan? folderStateRetention = null)
    {
        Options = new MailboxOptions { QuotaBytes = quotaBytes, LockTimeout = TimeSpan.FromSeconds(20), QuotaCacheDuration = TimeSpan.Zero };
        if (folderStateRetention is { } retention)
        {
            Options.FolderStateRetention = retention;
        }

        Store = new MessageStore(_root.Path, Options);
        UserPath = Path.Combine(_root.Path, "example.org", "alice");
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(UserPath, sub));
        }
    }

    public MailboxOptions Options { get; }

    public string MailRoot => _root.Path;

    public MessageStore Store { get; }

    public string UserPath { get; }

    public UserMailbox Mailbox => Store.OpenUser(User);

    /// <summary>A second, independent store on the same files: what another replica sees.</summary>
    public MessageStore OtherReplica() => new(_root.Path, Options);

    public static string Message(string subject, string body = "Hello.\r\n") =>
        $"From: Bob <bob@example.net>\r\nTo: alice@example.org\r\nSubject: {subject}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.Replace(' ', '-')}@example.net>\r\n\r\n{body}";

    /// <summary>Drops a message into new/ (or cur/ with info) the way delivery or another server would.</summary>
    public string Deliver(string content, string folderDirectory = "", string? info = null, DateTime? mtime = null)
    {
        var n = Interlocked.Increment(ref counter);
        var bytes = Encoding.UTF8.GetBytes(content);
        var key = $"{1_700_000_000 + n}.M{n}P1Q{n}.testhost,S={bytes.Length}";
        var name = info is null ? key : key + ":2," + info;
        var path = Path.Combine(UserPath, folderDirectory, info is null ? "new" : "cur", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        if (mtime is { } t)
        {
            File.SetLastWriteTimeUtc(path, t);
        }

        return path;
    }

    public string[] Files(string folderDirectory = "") =>
        Directory.GetFiles(Path.Combine(UserPath, folderDirectory, "cur")).Concat(Directory.GetFiles(Path.Combine(UserPath, folderDirectory, "new"))).ToArray();

    public void Dispose() => _root.Dispose();
}
