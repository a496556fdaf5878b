using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>
/// QUIT (RFC 1939 §4, §6): in TRANSACTION enters UPDATE and removes the marked messages;
/// -ERR when some could not be removed. The maildrop lock is released before the reply.
/// </summary>
internal sealed class QuitCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (session.State != Pop3State.Transaction || session.Maildrop is not { } maildrop)
        {
            await session.Reply.OkAsync("Logging out.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Close;
        }

        session.State = Pop3State.Update;
        // \Seen before the reply, so whoever looks once QUIT is answered (IMAP, a test) finds it stored.
        var (removed, failed) = maildrop.Finish(update: true);
        await session.ReleaseMaildropAsync().ConfigureAwait(false);
        session.Services.Telemetry.MessagesDeleted.Add(removed);
        Pop3Log.Updated(session.Services.Logger, session.User!, removed, failed);
        if (failed > 0)
        {
            await session.Reply.ErrAsync("SYS/PERM", $"Some deleted messages were not removed ({failed}).", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await session.Reply.OkAsync($"Logging out; {removed} messages deleted.", cancellationToken).ConfigureAwait(false);
        }

        return Pop3Outcome.Close;
    }
}
