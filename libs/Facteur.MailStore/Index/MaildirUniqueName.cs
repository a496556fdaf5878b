using System.Globalization;

namespace Facteur.MailStore.Index;

/// <summary>
/// Dovecot's unique Maildir base names, <c>&lt;time&gt;.M&lt;usec&gt;P&lt;pid&gt;Q&lt;n&gt;.&lt;host&gt;</c>, for messages
/// Facteur creates itself (APPEND, COPY): unique per host, process and call.
/// </summary>
internal static class MaildirUniqueName
{
    private static long counter;

    public static string Next()
    {
        var now = DateTimeOffset.UtcNow;
        var micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var n = Interlocked.Increment(ref counter);
        return string.Create(CultureInfo.InvariantCulture,
            $"{micros / 1_000_000}.M{micros % 1_000_000}P{Environment.ProcessId}Q{n}.{MaildirFileName.EscapeHost(Environment.MachineName)}");
    }

    public static string WithSizes(string baseName, long size, long virtualSize) => MaildirFileName.WithSizes(baseName, size, virtualSize);
}
