using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.MailStore;

/// <summary>
/// Dovecot-style Maildir file names: <c>&lt;base&gt;,S=&lt;size&gt;,W=&lt;vsize&gt;[:2,&lt;flags&gt;]</c>.
/// <para>
/// Dovecot writes the base as <c>&lt;time&gt;.M&lt;usec&gt;P&lt;pid&gt;Q&lt;n&gt;.&lt;host&gt;</c> to make it
/// unique. Facteur needs the base to be <em>deterministic</em> instead, so that a redelivered
/// message lands on the same name and is not duplicated (DESIGN.md promise 2): it derives it from
/// the queue id, the time the gateway accepted the message and a key of the final mailbox and
/// folder: <c>&lt;receivedUnix&gt;.M&lt;usec&gt;Q&lt;queueid&gt;R&lt;8 hex&gt;.&lt;host&gt;</c>. Dovecot (and
/// every Maildir reader) treats the base name as opaque: it only parses <c>,S=</c>, <c>,W=</c> and
/// the <c>:2,</c> flags, so the files read exactly like Dovecot's own.
/// </para>
/// </summary>
public static class MaildirFileName
{
    /// <summary>The deterministic base name of one copy of a message.</summary>
    public static string BaseName(string queueId, DateTimeOffset receivedAt, string mailbox, string? folder, string host)
    {
        var unixMicros = (receivedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var seconds = unixMicros / 1_000_000;
        var micros = unixMicros % 1_000_000;
        return string.Create(CultureInfo.InvariantCulture,
            $"{seconds}.M{micros}Q{SafeQueueId(queueId)}R{MailboxKey(mailbox, folder)}.{EscapeHost(host)}");
    }

    /// <summary>Appends the sizes Dovecot reads without opening the file (S = octets on disk, W = RFC 822 size).</summary>
    public static string WithSizes(string baseName, long size, long virtualSize) =>
        string.Create(CultureInfo.InvariantCulture, $"{baseName},S={size},W={virtualSize}");

    /// <summary>Dovecot's escaping of the host part: '/' → \057 and ':' → \072 (both would break the name).</summary>
    public static string EscapeHost(string host) => host.Replace("/", @"\057", StringComparison.Ordinal).Replace(":", @"\072", StringComparison.Ordinal);

    /// <summary>True when <paramref name="fileName"/> (in new/ or cur/, with or without sizes and flags) is a copy with this base name.</summary>
    public static bool HasBaseName(string fileName, string baseName) =>
        fileName.StartsWith(baseName, StringComparison.Ordinal)
        && (fileName.Length == baseName.Length || fileName[baseName.Length] is ',' or ':');

    /// <summary>8 hex digits that tell apart copies of one message in different mailboxes/folders.</summary>
    internal static string MailboxKey(string mailbox, string? folder)
    {
        var (localPart, domain) = MailboxName.SplitMailbox(mailbox);
        var key = $"{localPart}@{domain}\n{MailboxName.FolderDirectory(folder) ?? string.Empty}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return Convert.ToHexStringLower(hash, 0, 4);
    }

    /// <summary>Queue ids are alphanumeric in practice; anything else is hashed so the name stays a plain token.</summary>
    internal static string SafeQueueId(string queueId)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        if (queueId.All(char.IsAsciiLetterOrDigit))
        {
            return queueId;
        }

        return "X" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queueId)), 0, 8);
    }
}
