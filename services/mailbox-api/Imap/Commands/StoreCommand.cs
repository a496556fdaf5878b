using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, each with .SILENT; keywords included.</summary>
internal static class StoreCommand
{
    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var messages = MessageSetArgument.Read(arguments, mailbox, request.Uid);
        arguments.Space();
        ulong? unchangedSince = null;
        if (arguments.PeekIs('('))
        {
            // store-modifier (RFC 7162 §3.1.3): UNCHANGEDSINCE mod-sequence.
            arguments.ReadList(() =>
            {
                if (!arguments.TryKeyword("UNCHANGEDSINCE"))
                {
                    throw new ImapParseException("Unknown STORE modifier");
                }

                arguments.Space();
                unchangedSince = arguments.ReadNumber64();
            });
            arguments.Space();
            session.CondStore = mailbox.CondStore = true;
        }

        var action = arguments.ReadAtom().ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        var mode = silent ? action[..^".SILENT".Length] : action;
        if (mode is not ("FLAGS" or "+FLAGS" or "-FLAGS"))
        {
            throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS");
        }

        arguments.Space();
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        if (arguments.PeekIs('('))
        {
            arguments.ReadList(() => ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords));
        }
        else
        {
            ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords);
            while (arguments.TryConsume(' '))
            {
                ImapFlags.Add(arguments.ReadFlag(), ref flags, keywords);
            }
        }

        arguments.ExpectEnd();
        if (mailbox.ReadOnly)
        {
            throw new ImapNoException("The mailbox is read-only.", "READ-ONLY");
        }

        var change = new FlagChange(
            messages.Select(m => m.Message.Uid).ToList(),
            mode switch { "+FLAGS" => FlagChangeMode.Add, "-FLAGS" => FlagChangeMode.Remove, _ => FlagChangeMode.Replace },
            flags,
            keywords,
            unchangedSince);
        var result = await mailbox.Folder.UpdateFlagsAsync(change, cancellationToken).ConfigureAwait(false);
        var modified = new HashSet<uint>(result.Modified);
        // The FETCH responses go out with the tagged reply's flush, in one send.
        TakeResult(messages, result.State.Messages, modified, silent ? null : session.Reply.Writer, request.Uid, session.CondStore);
        if (modified.Count > 0)
        {
            // RFC 7162 §3.1.3: the messages not stored because they changed since UNCHANGEDSINCE.
            var numbers = request.Uid ? modified.Order() : modified.Select(mailbox.SequenceOf).Where(n => n > 0).Order();
            return new ImapResult($"[MODIFIED {SequenceSet.Format(numbers)}] Conditional store failed.") { AllowExpunge = request.Uid };
        }

        return new ImapResult("Store completed.") { AllowExpunge = request.Uid };
    }

    /// <summary>
    /// Gives each stored message its record from the folder's new state (or marks it gone), and writes its
    /// untagged FETCH unless <paramref name="output"/> is null (.SILENT). Both lists are in increasing UID
    /// order, so one forward walk finds every record (<see cref="UidOrder.WalkTo"/>). Compiled optimized at
    /// once (as the store's per-message path, see MailFolder.UpdateFlagsLocked): the first STORE 1:* of a
    /// process ran this loop as tier-0 code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TakeResult(List<(uint Sequence, MailboxMessage Message)> messages, IReadOnlyList<MessageRecord> records,
        HashSet<uint> modified, PipeWriter? output, bool uid, bool condStore)
    {
        var at = 0;
        foreach (var (sequence, entry) in messages)
        {
            if (modified.Count > 0 && modified.Contains(entry.Uid))
            {
                continue;
            }

            if (UidOrder.WalkTo(records, ref at, entry.Uid) is { } now)
            {
                entry.Record = now;
            }
            else
            {
                entry.Gone = true;
                continue;
            }

            if (output is not null)
            {
                WriteFlagsFetch(output, sequence, uid ? entry.Uid : null, entry.Record, condStore);
            }
        }
    }

    /// <summary>
    /// <c>* n FETCH ([UID u ]FLAGS (…)[ MODSEQ (m)])</c> rendered straight into the output buffer, flushed once
    /// after the last: a STORE 1:* on 10,000 messages writes 10,000 of them, which as strings cost three
    /// allocations and a copy each (RFC 3501 §6.4.6; MODSEQ once the client enabled CONDSTORE, RFC 7162 §3.1.3).
    /// </summary>
    private static void WriteFlagsFetch(PipeWriter output, uint sequence, uint? uid, MessageRecord record, bool modSeq)
    {
        var size = 128; // numbers, system flags and punctuation
        foreach (var keyword in record.Keywords)
        {
            size += Encoding.UTF8.GetMaxByteCount(keyword.Length) + 1;
        }

        var span = output.GetSpan(size);
        var n = Put(span, 0, "* "u8);
        n += Number(span[n..], sequence);
        n = Put(span, n, " FETCH ("u8);
        if (uid is { } u)
        {
            n = Put(span, n, "UID "u8);
            n += Number(span[n..], u);
            span[n++] = (byte)' ';
        }

        n = Put(span, n, "FLAGS ("u8);
        var first = true;
        foreach (var (name, flag) in ImapFlags.Map)
        {
            if (record.Flags.HasFlag(flag))
            {
                n = Separate(span, n, ref first);
                n += Encoding.ASCII.GetBytes(name, span[n..]);
            }
        }

        foreach (var keyword in record.Keywords)
        {
            n = Separate(span, n, ref first);
            n += Encoding.UTF8.GetBytes(keyword, span[n..]);
        }

        span[n++] = (byte)')';
        if (modSeq)
        {
            n = Put(span, n, " MODSEQ ("u8);
            n += Number(span[n..], record.ModSeq);
            span[n++] = (byte)')';
        }

        n = Put(span, n, ")\r\n"u8);
        output.Advance(n);
    }

    private static int Put(Span<byte> span, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }

    private static int Separate(Span<byte> span, int at, ref bool first)
    {
        if (!first)
        {
            span[at++] = (byte)' ';
        }

        first = false;
        return at;
    }

    private static int Number(Span<byte> span, ulong value) =>
        Utf8Formatter.TryFormat(value, span, out var written) ? written : throw new InvalidOperationException("No room for a number.");
}
