namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>Reads a user's Maildir the way a mail administrator would: by listing new/ and cur/.</summary>
internal sealed class MaildirProbe(string mailRoot, string address)
{
    public string Path { get; } = System.IO.Path.Combine(mailRoot, address.Split('@')[1], address.Split('@')[0]);

    public IReadOnlyList<string> Files(string folder = "INBOX")
    {
        var root = folder == "INBOX" ? Path : System.IO.Path.Combine(Path, "." + folder);
        return [.. new[] { "new", "cur" }
            .Select(sub => System.IO.Path.Combine(root, sub))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> TmpFiles() =>
        Directory.Exists(System.IO.Path.Combine(Path, "tmp")) ? Directory.GetFiles(System.IO.Path.Combine(Path, "tmp")) : [];

    /// <summary>Waits until at least <paramref name="count"/> messages are there, or the timeout passes.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var files = Files();
            if (files.Count >= count || DateTime.UtcNow > deadline)
            {
                return files;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The message a file holds, as bytes.</summary>
    public static byte[] Read(string file) => File.ReadAllBytes(file);
}
