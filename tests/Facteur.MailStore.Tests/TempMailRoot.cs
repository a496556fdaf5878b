namespace Facteur.MailStore.Tests;

/// <summary>A private mail root per test, removed afterwards.</summary>
public sealed class TempMailRoot : IDisposable
{
    public TempMailRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "facteur-mailstore-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
