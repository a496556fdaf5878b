using System.Security.Cryptography;
using Facteur.MailStore.Folders;

namespace Facteur.Migration.Tests;

/// <summary>What a test compares: one message of a folder as a client sees it.</summary>
internal sealed record MessageView(string Sha256, long Size, MaildirFlags Flags, string Keywords, bool IsNew, DateTime InternalDate);

internal static class MaildirFixture
{
    /// <summary>Writes a message file into new/ or cur/ the way Dovecot names them, with an mtime (its internal date).</summary>
    public static string Put(string folderPath, string fileName, byte[] content, DateTime internalDateUtc)
    {
        var sub = fileName.Contains(":2,", StringComparison.Ordinal) ? "cur" : "new";
        foreach (var d in (string[])["cur", "new", "tmp"])
        {
            Directory.CreateDirectory(Path.Combine(folderPath, d));
        }

        var path = Path.Combine(folderPath, sub, fileName);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, internalDateUtc);
        return path;
    }

    /// <summary>The folder's messages in UID order, with keyword letters resolved to names.</summary>
    public static async Task<List<MessageView>> ViewAsync(MaildirFolder folder)
    {
        var snapshot = await folder.SynchronizeAsync();
        var keywords = DovecotKeywords.Read(folder.Path);
        return snapshot.Messages.Select(m =>
        {
            var path = folder.FullPath(m);
            var bytes = File.ReadAllBytes(path);
            var names = string.Join(' ', keywords.NamesOf(m.Keywords).Order(StringComparer.Ordinal));
            var mtime = File.GetLastWriteTimeUtc(path);
            return new MessageView(Convert.ToHexString(SHA256.HashData(bytes)), bytes.Length, m.Flags, names, m.IsNew, mtime.AddTicks(-(mtime.Ticks % TimeSpan.TicksPerSecond)));
        }).ToList();
    }

    public static string Text(string folderPath, string fileName) => File.ReadAllText(Path.Combine(folderPath, fileName));
}
