using System.Globalization;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// QUOTA (RFC 9208): one quota root "" per user covering every folder, STORAGE in KiB, from
/// <c>Mailbox:QuotaBytes</c>; the store enforces it on APPEND/COPY (and delivery). SETQUOTA is refused.
/// </summary>
internal static class QuotaCommands
{
    public static async ValueTask<ImapResult> GetQuotaRootAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var name = MailboxArgument.ReadExisting(arguments, session);
        arguments.ExpectEnd();
        session.Reply.Untagged($"QUOTAROOT {ImapResponseBuilder.Quote(name)} \"\"");
        await WriteQuotaAsync(session, cancellationToken).ConfigureAwait(false);
        return ImapResult.Ok();
    }

    public static async ValueTask<ImapResult> GetQuotaAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var root = arguments.ReadAstring();
        arguments.ExpectEnd();
        if (root.Length != 0)
        {
            throw new ImapNoException("No such quota root.", "NONEXISTENT");
        }

        await WriteQuotaAsync(session, cancellationToken).ConfigureAwait(false);
        return ImapResult.Ok();
    }

    public static ValueTask<ImapResult> SetQuotaAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken) =>
        throw new ImapNoException("Quotas are set by the administrator.", "NOPERM");

    private static async Task WriteQuotaAsync(ImapSession session, CancellationToken cancellationToken)
    {
        var usage = await session.RequireMailbox().GetQuotaAsync(cancellationToken).ConfigureAwait(false);
        session.Reply.Untagged(usage.HasLimit
            ? string.Create(CultureInfo.InvariantCulture, $"QUOTA \"\" (STORAGE {(usage.UsedBytes + 1023) / 1024} {usage.LimitBytes / 1024})")
            : "QUOTA \"\" ()");
    }
}
