using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Sessions;

/// <summary>
/// Sessions ended by "log out". The session lives in the cookie, so deleting the browser's copy
/// is not enough: a copy kept elsewhere (a stolen cookie, a second tab's export) would still open
/// the mailbox until it expires. Logout records the session id here and every request's cookie is
/// checked against it. With a shared key folder (<see cref="WebmailOptions.DataProtectionKeysPath"/>)
/// the record is an empty file in its <c>revoked-sessions/</c> folder, so every replica refuses
/// the session; without one it is in memory (one replica). A record is useless once the cookie it
/// names has expired (<see cref="WebmailOptions.SessionTimeout"/> after its last renewal, at the
/// latest the logout), so old ones are removed.
/// </summary>
internal sealed class RevokedSessions(IOptions<WebmailOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    private string? Folder =>
        options.Value.DataProtectionKeysPath is { Length: > 0 } keys ? Path.Combine(keys, "revoked-sessions") : null;

    public void Revoke(string sessionId)
    {
        if (!IsSessionId(sessionId))
        {
            return;
        }

        var now = time.GetUtcNow();
        _revoked[sessionId] = now;
        if (Folder is { } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, sessionId), []);
            RemoveExpired(folder, now);
        }

        foreach (var (id, at) in _revoked)
        {
            if (now - at > options.Value.SessionTimeout)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    public bool IsRevoked(string sessionId)
    {
        if (_revoked.ContainsKey(sessionId))
        {
            return true;
        }

        // A stat per request: cheap, and the only way to hear of a logout made on another replica.
        if (Folder is { } folder && IsSessionId(sessionId) && File.Exists(Path.Combine(folder, sessionId)))
        {
            _revoked.TryAdd(sessionId, time.GetUtcNow());
            return true;
        }

        return false;
    }

    private void RemoveExpired(string folder, DateTimeOffset now)
    {
        var limit = options.Value.SessionTimeout + TimeSpan.FromMinutes(1);
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            try
            {
                if (now - File.GetLastWriteTimeUtc(file) > limit)
                {
                    File.Delete(file);
                }
            }
            catch (IOException)
            {
                // another replica removed it first
            }
        }
    }

    /// <summary>Session ids are 32 hex digits (Guid "N"): anything else never becomes a file name.</summary>
    private static bool IsSessionId(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigit);
}
