using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// IDLE (RFC 2177): "+ idling", then updates of the selected mailbox as they happen until the
/// client sends DONE. Changes come from the store: its own change notification (changes made in this
/// process, and <c>MailDelivered</c> bus events through <see cref="MessageStore.NotifyChanged"/>), with one
/// shared poll per folder every <c>Imap:IdlePollInterval</c> as the fallback — not a poll per connection,
/// so thousands of idle sessions cost nothing between changes. The autologout timer (30 minutes) still applies.
/// </summary>
internal static class IdleCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        await session.Reply.ContinueAsync("idling", cancellationToken).ConfigureAwait(false);
        using var autologout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        autologout.CancelAfter(session.Options.AutologoutTimeout);
        var done = session.ReadContinuationAsync(autologout.Token).AsTask();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            // The store wakes the wait on a change made in this process, on MessageStore.NotifyChanged
            // (a delivery event) or, as the fallback, when the folder's shared poll of the disk finds one.
            var change = session.Selected is { } selected
                ? selected.Folder.WaitForChangeAsync(selected.HighestModSeq, session.Options.IdlePollInterval, stop.Token)
                : Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => (FolderState?)null, TaskScheduler.Default)!;
            session.CanSayBye = true;
            var first = await Task.WhenAny(done, change).ConfigureAwait(false);
            // A stopping host or a dropped connection leaves with CanSayBye still set: nothing is half-written.
            cancellationToken.ThrowIfCancellationRequested();
            if (first == done)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                break;
            }

            session.CanSayBye = false;

            if (session.Selected is { } mailbox && await change.ConfigureAwait(false) is { } state)
            {
                mailbox.Apply(session.Reply, state, allowExpunge: true);
                await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        string? line;
        try
        {
            line = await done.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            session.Reply.Untagged("BYE Autologout; idle for too long.");
            await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            throw new ClientGoneException();
        }

        session.CanSayBye = false;
        if (line is null)
        {
            throw new ClientGoneException();
        }

        if (!line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
        {
            throw new Parsing.ImapParseException("Expected DONE");
        }

        return ImapResult.Ok("Idle completed.");
    }
}
