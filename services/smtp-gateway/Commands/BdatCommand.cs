using System.Buffers;
using Facteur.SmtpGateway.Intake;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// BDAT (RFC 3030 CHUNKING). The chunk's octets are taken as they are (no dot-stuffing, no end
/// marker, hence no smuggling ambiguity) and streamed to the spool entry. Every chunk is read off
/// the connection even when the command is refused — otherwise its octets would be parsed as
/// commands. Once any chunk fails, the transaction is gone and later BDATs get 503 (§2).
/// </summary>
internal sealed class BdatCommand : ISmtpCommand
{
    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        var (size, last) = ParseOrFail(arguments);
        var transaction = session.Transaction!;
        var maxSize = session.Dependencies.Facteur.MaxMessageSize;
        if (transaction.Spooled is null && !await MessageCompletion.BeginAsync(session, transaction, cancellationToken))
        {
            await SkipAsync(session, size, cancellationToken);
            await session.EndTransactionAsync();
            return session.Reply(SmtpReplies.IntakeUnavailable);
        }

        var content = transaction.Spooled!.Content;
        var tooLarge = transaction.ChunkedSize + size > maxSize;
        var spoolFailed = false;
        var remaining = size;
        while (remaining > 0)
        {
            var result = await session.ReadAsync(session.Options.DataTimeout, cancellationToken);
            var chunk = result.Buffer.Slice(0, Math.Min(remaining, result.Buffer.Length));
            if (!tooLarge && !spoolFailed)
            {
                try
                {
                    foreach (var segment in chunk)
                    {
                        await content.WriteAsync(segment, cancellationToken);
                    }
                }
                catch (Exception e) when (e is IOException or MailIntakeUnavailableException)
                {
                    spoolFailed = true;
                }
            }

            remaining -= chunk.Length;
            session.Input.AdvanceTo(chunk.End);
            if (remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                throw new IOException("Connection closed during BDAT");
            }
        }

        transaction.ChunkedSize += size;
        if (tooLarge || spoolFailed)
        {
            return await MessageCompletion.CompleteAsync(session, transaction.ChunkedSize, tooLarge ? MessageProblem.TooLarge : MessageProblem.SpoolFailed, cancellationToken);
        }

        if (!last)
        {
            session.State = SmtpState.Chunking;
            return session.Reply(new SmtpReply(250, "2.0.0", $"{size} octets received"));
        }

        return await MessageCompletion.CompleteAsync(session, transaction.ChunkedSize, MessageProblem.None, cancellationToken);
    }

    /// <summary>BDAT out of sequence: read its chunk off the connection, then refuse it.</summary>
    public static async ValueTask<CommandOutcome> RefuseAsync(SmtpSession session, ReadOnlySequence<byte> arguments, SmtpReply refusal, CancellationToken cancellationToken)
    {
        var (size, _) = ParseOrFail(arguments);
        await SkipAsync(session, size, cancellationToken);
        return session.Reject(refusal);
    }

    /// <summary>
    /// Without a valid size we cannot know where the chunk ends and what follows would be read as
    /// commands: that is a protocol violation (421 and close), not a mere syntax error.
    /// </summary>
    private static (long Size, bool Last) ParseOrFail(ReadOnlySequence<byte> arguments)
    {
        var reader = new SequenceReader<byte>(arguments);
        if (!BdatParser.TryParse(ref reader, out var size, out var last))
        {
            throw new SmtpProtocolViolationException(new SmtpReply(421, "4.5.4", "Error: malformed BDAT command, closing"), "malformed BDAT");
        }

        return (size, last);
    }

    private static async ValueTask SkipAsync(SmtpSession session, long size, CancellationToken cancellationToken)
    {
        var remaining = size;
        while (remaining > 0)
        {
            var result = await session.ReadAsync(session.Options.DataTimeout, cancellationToken);
            var take = Math.Min(remaining, result.Buffer.Length);
            session.Input.AdvanceTo(result.Buffer.GetPosition(take));
            remaining -= take;
            if (remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                throw new IOException("Connection closed during BDAT");
            }
        }
    }
}
