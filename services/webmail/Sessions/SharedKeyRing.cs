using Microsoft.AspNetCore.DataProtection;

namespace Facteur.Webmail.Sessions;

/// <summary>
/// Replicas started together on an empty key folder would each create their own Data Protection
/// key, and a cookie issued by one would not open on the other until the key rings are re-read
/// (every 24 hours). So the first key is created under a lock file made with O_EXCL (which works
/// on a shared network file system too): the first replica creates it, the others wait and read it.
/// </summary>
internal static class SharedKeyRing
{
    private static readonly TimeSpan StaleLock = TimeSpan.FromSeconds(30);

    public static void Initialize(IServiceProvider services, string keysPath, CancellationToken cancellationToken = default)
    {
        var lockPath = Path.Combine(keysPath, ".facteur-keyring.lock");
        var deadline = DateTime.UtcNow + StaleLock + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                using (new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                    // Protecting anything loads the key ring, creating the first key if there is none.
                    services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Facteur.Webmail.KeyRing").Protect([1]);
                }

                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another replica holds it (or just released it); a lock older than StaleLock
                // belongs to a replica that died.
                try
                {
                    if (File.Exists(lockPath) && DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) > StaleLock)
                    {
                        File.Delete(lockPath);
                    }
                }
                catch (IOException)
                {
                    // someone else removed it first
                }

                Thread.Sleep(50);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }
}
