using System.ComponentModel.DataAnnotations;

namespace Facteur.MailStore.Index;

/// <summary>Settings of the mail store used by IMAP (section <c>Mailbox</c>).</summary>
public sealed class MailboxOptions
{
    public const string SectionName = "Mailbox";

    /// <summary>Per-user storage limit in bytes over all folders; 0 = none.</summary>
    [Range(0, long.MaxValue)]
    public long QuotaBytes { get; set; }

    /// <summary>How long an operation waits for a folder's <c>dovecot-uidlist.lock</c>.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a computed quota usage is reused before the folders are summed again.</summary>
    public TimeSpan QuotaCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the state of a folder (UIDs, flags, sizes, dates: ≈ 600 bytes a message) stays in memory after a
    /// session last used it, so that the next SELECT of it costs nothing. After that it is kept only while a
    /// session still holds it (IDLE, a selected folder), and the next open reloads it from <c>facteur-index</c>
    /// (≈ 350 ms for 100,000 messages on the bench machine). 20 minutes outlasts the 10- and 15-minute new-mail
    /// checks of common clients, so a client that polls keeps its folders warm, and a user gone for the day gives
    /// the memory back. Zero keeps a state no longer than its sessions.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan FolderStateRetention { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Files in a Maildir's <c>tmp/</c> untouched for this long are abandoned writes and are deleted
    /// by delivery's hourly sweep (36 hours, as Dovecot); zero turns the sweep off.
    /// </summary>
    public TimeSpan TmpRetention { get; set; } = TimeSpan.FromHours(36);
}
