using System.Diagnostics;

namespace Facteur.Cli.Files;

/// <summary>
/// A lock file <c>FILE.lock</c> created with O_CREAT|O_EXCL (<see cref="FileMode.CreateNew"/>), which is atomic on
/// local file systems and on NFS v3 and later, as Dovecot's dotlocks are. Two <c>facteur</c> runs editing one
/// file take turns; a lock older than <see cref="StaleAfter"/> is left over from a crash and is broken.
/// </summary>
internal sealed class FileLock : IDisposable
{
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    private readonly string _path;
    private readonly FileStream _stream;

    private FileLock(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
    }

    public static FileLock Acquire(string file, TimeSpan timeout)
    {
        var path = file + ".lock";
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                var stream = new FileStream(path, options);
                var owner = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId} {Environment.MachineName}\n");
                stream.Write(owner);
                stream.Flush();
                return new FileLock(path, stream);
            }
            catch (IOException exception) when (AlreadyExists(exception))
            {
                // Missing now means the holder released it between our create and this check: 1601-01-01.
                var written = File.GetLastWriteTimeUtc(path);
                if (written.Year > 1601 && DateTime.UtcNow - written > StaleAfter)
                {
                    TryDelete(path);
                    continue;
                }

                if (clock.Elapsed > timeout)
                {
                    throw new CommandFailedException($"{file} is locked by another facteur run ({path}); try again, or remove the lock file if no facteur is running");
                }

                Thread.Sleep(Random.Shared.Next(5, 40));
            }
        }
    }

    // EEXIST from open(O_CREAT|O_EXCL): the raw errno (17) on Linux and macOS, ERROR_FILE_EXISTS on Windows.
    private static bool AlreadyExists(IOException exception) =>
        exception.HResult is 17 or unchecked((int)0x80070050);

    public void Dispose()
    {
        _stream.Dispose();
        TryDelete(_path);
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
    }
}
