namespace Facteur.MailStore.Index;

/// <summary>A user's storage use (RFC 9208 STORAGE resource, in bytes; IMAP reports kibibytes).</summary>
/// <param name="UsedBytes">Sum of RFC822.SIZE over all folders.</param>
/// <param name="LimitBytes">The limit from <c>Mailbox:QuotaBytes</c>; 0 = no limit.</param>
/// <param name="MessageCount">Number of messages over all folders (MESSAGE resource).</param>
public sealed record QuotaUsage(long UsedBytes, long LimitBytes, long MessageCount)
{
    public bool HasLimit => LimitBytes > 0;

    /// <summary>True when <paramref name="additionalBytes"/> more would go over the limit.</summary>
    public bool WouldExceed(long additionalBytes) => HasLimit && UsedBytes + additionalBytes > LimitBytes;
}
