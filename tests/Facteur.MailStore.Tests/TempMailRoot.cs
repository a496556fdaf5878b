using System.Collections.Concurrent;

namespace Facteur.MailStore.Tests;

/// <summary>A private mail root per test, removed afterwards.</summary>
public sealed class TempMailRoot : IDisposable
{
    // A store's background work (a delayed flush, an index log's owed fsync) may still write into a root
    // after its test deleted it, and bring back a folder or two: every root is deleted again when the
    // test process ends, so a run leaves nothing in the temporary folder.
    private static readonly ConcurrentBag<string> Created = [];
    private static int sweepRegistered;

    public TempMailRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "facteur-mailstore-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        Created.Add(Path);
        if (Interlocked.Exchange(ref sweepRegistered, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                foreach (var root in Created)
                {
                    Delete(root);
                }
            };
        }
    }

    public string Path { get; }

    public void Dispose() => Delete(Path);

    private static void Delete(string root)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
