using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>Whole-file rewrites that readers never see half done: write a temp file beside it, fsync, rename over.</summary>
internal static class AtomicFile
{
    /// <returns>The number of bytes written (UTF-8).</returns>
    public static int Write(string path, string content)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        int length;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = Encoding.UTF8.GetBytes(content);
                stream.Write(bytes);
                length = bytes.Length;
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return length;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
