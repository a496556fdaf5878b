namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>
/// IDLE (RFC 2177): "+ idling", then updates of the selected mailbox as they happen until the
/// client sends DONE. Changes are found by looking at the folder every <c>Imap:IdlePollInterval</c>.
/// The autologout timer (30 minutes) still applies.
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
        while (true)
        {
            var tick = Task.Delay(session.Options.IdlePollInterval, cancellationToken);
            if (await Task.WhenAny(done, tick).ConfigureAwait(false) == done)
            {
                break;
            }

            if (session.Selected is { } mailbox)
            {
                await mailbox.RefreshAsync(session.Reply, allowExpunge: true, cancellationToken).ConfigureAwait(false);
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
