using System.Text;

namespace Facteur.MailStore.Folders;

/// <summary>
/// Whole-file rewrites that readers never see half done: write a temp file beside it, fsync, rename over, and
/// (unless the file is a rebuildable cache) fsync the directory. Without that last fsync the rename is not
/// durable (POSIX; on ext4 it waits for the next journal commit, up to 5 s): a power cut could bring back the
/// previous dovecot-uidlist after its new UIDs were announced, and the next sync would give the same UIDs to
/// other messages under the same UIDVALIDITY, which RFC 3501 §2.3.1.1 forbids.
/// </summary>
internal static class AtomicFile
{
    /// <returns>The number of bytes written (UTF-8).</returns>
    public static int Write(string path, string content) => checked((int)Write(path, writer => writer.Write(content)));

    /// <summary>As <see cref="Write(string, Action{TextWriter}, bool)"/>, and the new name is durable when it returns.</summary>
    public static long Write(string path, Action<TextWriter> write) => Write(path, write, syncDirectory: true);

    /// <summary>
    /// The content written by <paramref name="write"/>, straight into the temp file as UTF-8 through a small
    /// buffer: no string of the whole file and no array of its bytes. A first sync of 100,000 messages built its index as a 20 MB string plus 10 MB of bytes and its uidlist as 10 MB more,
    /// all on the large-object heap, which is what triggered that SELECT's gen2 collections.
    /// </summary>
    /// <param name="syncDirectory">False only for a file that can always be rebuilt from others (the folder index):
    /// its rename may then be lost in a crash, leaving the previous whole file.</param>
    /// <returns>The number of bytes written.</returns>
    public static long Write(string path, Action<TextWriter> write, bool syncDirectory)
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
            if (syncDirectory)
            {
                DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(path))!);
            }

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
