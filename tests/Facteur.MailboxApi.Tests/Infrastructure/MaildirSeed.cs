using System.Globalization;
using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>Writes messages into a Maildir the way a delivery agent does (tmp → new, Dovecot-style names).</summary>
internal static class MaildirSeed
{
    private static int _counter;

    public static string Deliver(string maildir, string content, bool withSizes = true, bool intoCur = false, string info = "")
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return Deliver(maildir, bytes, withSizes, intoCur, info);
    }

    public static string Deliver(string maildir, byte[] bytes, bool withSizes = true, bool intoCur = false, string info = "")
    {
        foreach (var sub in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var n = Interlocked.Increment(ref _counter);
        var key = string.Create(CultureInfo.InvariantCulture, $"{1764370000 + n}.M{n}P{Environment.ProcessId}Q{n}.testhost");
        if (withSizes)
        {
            using var stream = new MemoryStream(bytes);
            key += string.Create(CultureInfo.InvariantCulture, $",S={bytes.Length},W={MessageVirtualSize.Compute(stream)}");
        }

        var tmp = Path.Combine(maildir, "tmp", key);
        File.WriteAllBytes(tmp, bytes);
        var name = intoCur ? key + ":2," + info : key;
        File.Move(tmp, Path.Combine(maildir, intoCur ? "cur" : "new", name));
        return key;
    }

    public static string Message(string subject, string body) =>
        $"From: sender@example.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.test>\r\n\r\n{body}";

    public static int FileCount(string maildir) =>
        Directory.GetFiles(Path.Combine(maildir, "new")).Length + Directory.GetFiles(Path.Combine(maildir, "cur")).Length;
}
