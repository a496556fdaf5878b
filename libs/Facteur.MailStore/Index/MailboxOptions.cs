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
    /// Files in a Maildir's <c>tmp/</c> untouched for this long are abandoned writes and are deleted
    /// by delivery's hourly sweep (36 hours, as Dovecot); zero turns the sweep off.
    /// </summary>
    public TimeSpan TmpRetention { get; set; } = TimeSpan.FromHours(36);
}
