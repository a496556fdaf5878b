using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>Whole-file rewrites that readers never see half done: write a temp file beside it, fsync, rename over.</summary>
internal static class AtomicFile
{
    /// <returns>The number of bytes written (UTF-8).</returns>
    public static int Write(string path, string content) => checked((int)Write(path, writer => writer.Write(content)));

    /// <summary>
    /// The content written by <paramref name="write"/>, straight into the temp file as UTF-8 through a small
    /// buffer: no string of the whole file and no array of its bytes. A first sync of 100,000 messages built its index as a 20 MB string plus 10 MB of bytes and its uidlist as 10 MB more,
    /// all on the large-object heap, which is what triggered that SELECT's gen2 collections.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static long Write(string path, Action<TextWriter> write)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        long length;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                // 16 K chars: its char and byte buffers stay below the large-object heap's 85 KB.
                using (var writer = new StreamWriter(stream, Utf8, bufferSize: 16 * 1024, leaveOpen: true))
                {
                    write(writer);
                }

                length = stream.Length;
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

    // Encoding.UTF8's bytes without its preamble (GetBytes never wrote one); invalid text is replaced as it was.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

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
