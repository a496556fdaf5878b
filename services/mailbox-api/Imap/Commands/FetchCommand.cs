using System.Text;
using Facteur.MailboxApi.Imap.Fetch;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailboxApi.Imap.Search;
using Facteur.MailStore.Index;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>FETCH and UID FETCH (RFC 3501 §6.4.5, §7.4.2): every data item, sections, partials, the implicit \Seen.</summary>
internal static class FetchCommand
{
    private const int FlushThreshold = 32 * 1024;

    public static async ValueTask<ImapResult> ExecuteAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var mailbox = session.RequireSelected();
        var arguments = request.Arguments;
        arguments.Space();
        var set = SequenceSet.Parse(arguments.ReadToken());
        var messages = MessageSetArgument.Resolve(mailbox, set, request.Uid);
        arguments.Space();
        var items = FetchItem.ParseList(arguments);
        ulong? changedSince = null;
        var vanished = false;
        if (arguments.TryConsume(' '))
        {
            // fetch-modifier (RFC 7162 §3.1.4, §3.2.6): CHANGEDSINCE mod-sequence, VANISHED.
            arguments.ReadList(() =>
            {
                if (arguments.TryKeyword("VANISHED"))
                {
                    vanished = true;
                    return;
                }

                if (!arguments.TryKeyword("CHANGEDSINCE"))
                {
                    throw new ImapParseException("Unknown FETCH modifier");
                }

                arguments.Space();
                changedSince = arguments.ReadNumber64();
            });
        }

        arguments.ExpectEnd();
        if (vanished)
        {
            // RFC 7162 §3.2.6: only UID FETCH, only with CHANGEDSINCE, only once QRESYNC is enabled.
            if (!request.Uid || changedSince is null || !session.QResync)
            {
                throw new ImapParseException("VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
            }

            var last = mailbox.LastUid;
            var gone = mailbox.Folder.ExpungedSince(changedSince.Value).Where(u => set.Contains(u, last) && mailbox.SequenceOf(u) == 0).ToList();
            if (gone.Count > 0)
            {
                session.Reply.Untagged("VANISHED (EARLIER) " + SequenceSet.Format(gone));
            }
        }
        if (changedSince is not null || items.Any(i => i.Kind == FetchKind.ModSeq))
        {
            // Both enable CONDSTORE implicitly (RFC 7162 §3.1).
            session.CondStore = mailbox.CondStore = true;
        }

        if (session.CondStore && items.All(i => i.Kind != FetchKind.ModSeq) && (changedSince is not null || items.Any(i => i.Kind == FetchKind.Flags)))
        {
            items.Add(new FetchItem(FetchKind.ModSeq, "MODSEQ"));
        }

        if (changedSince is { } since)
        {
            messages = messages.Where(m => m.Message.Record.ModSeq > since).ToList();
        }
        if ((request.Uid || session.QResync) && items.All(i => i.Kind != FetchKind.Uid))
        {
            // UID FETCH always returns the UID (§6.4.8); with QRESYNC every FETCH does, since the client tracks
            // messages by UID once expunges come as VANISHED UIDs (RFC 7162 §3.2).
            items.Insert(0, new FetchItem(FetchKind.Uid, "UID"));
        }

        var setsSeen = !mailbox.ReadOnly && items.Any(i => i.SetsSeen);
        // ENVELOPE, BODY and BODYSTRUCTURE come from the folder's cache once rendered: a header FETCH of a
        // large folder then opens no message file. Only sections and RFC822.* need the file itself.
        var needsStructure = items.Any(i => i.Kind is FetchKind.Envelope or FetchKind.Body or FetchKind.BodyStructure);
        var needsBodyStructure = items.Any(i => i.Kind is FetchKind.Body or FetchKind.BodyStructure);
        var needsFile = items.Any(i => i.Kind is not (FetchKind.Uid or FetchKind.Flags or FetchKind.InternalDate or FetchKind.Rfc822Size
            or FetchKind.ModSeq or FetchKind.Envelope or FetchKind.Body or FetchKind.BodyStructure));
        // BODY[HEADER], HEADER.FIELDS and an envelope-only render need the header alone: read the file only
        // up to its empty line, not every body of the folder (the header sync clients start with).
        var headerOnly = !needsBodyStructure && items.All(i => i.Kind is FetchKind.Uid or FetchKind.Flags or FetchKind.InternalDate
            or FetchKind.Rfc822Size or FetchKind.ModSeq or FetchKind.Envelope or FetchKind.Rfc822Header
            || (i.Kind == FetchKind.Section && i.Part.Count == 0 && i.Text is "HEADER" or "HEADER.FIELDS" or "HEADER.FIELDS.NOT"));
        using var cache = needsStructure ? mailbox.Folder.OpenRenderedFetchReader(RenderedStructure.Format) : null;
        // One descriptor per directory for the whole command: each file is then openat + pread + close.
        using var files = needsFile || needsStructure ? mailbox.Folder.OpenFileReader() : null;
        var unflushed = 0;
        var builder = new ImapResponseBuilder();
        foreach (var (sequence, entry) in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rendered = cache?.Get(entry.Record);
            if (needsBodyStructure && rendered?.BodyStructure is null)
            {
                rendered = null; // cached from an ENVELOPE-only FETCH: render in full now
            }

            var needsLoad = needsFile || (needsStructure && rendered is null);
            var data = !needsLoad ? null
                : headerOnly ? MessageData.LoadHeader(files!, entry.Record)
                : MessageData.Load(files!, entry.Record);
            if (needsLoad && data is null)
            {
                // Expunged by another session and not yet reported: nothing to send (§7.4.1 leaves the choice).
                continue;
            }

            if (data is not null)
            {
                // The header is in memory anyway: keep SEARCH's fields from it, so the first SEARCH after a
                // client's header sync reads no file (Dovecot's cache holds what that sync asked for).
                SearchHeaderCache.Keep(mailbox.Folder, entry.Record, data.HeaderBytes);
            }

            if (needsStructure && rendered is null)
            {
                rendered = RenderedStructure.Render(data!, envelopeOnly: !needsBodyStructure);
                mailbox.Folder.CacheRenderedFetchItems(entry.Record, rendered);
            }

            var flagsChanged = false;
            if (setsSeen && !entry.Record.Flags.HasFlag(MessageFlags.Seen))
            {
                var result = await mailbox.Folder.UpdateFlagsAsync(new FlagChange([entry.Uid], FlagChangeMode.Add, MessageFlags.Seen, []), cancellationToken).ConfigureAwait(false);
                if (result.State.FindByUid(entry.Uid) is { } changed)
                {
                    entry.Record = changed;
                    flagsChanged = true;
                }
            }

            builder.Clear();
            builder.Raw("* "u8).Number(sequence).Raw(" FETCH ("u8);
            var first = true;
            foreach (var item in items)
            {
                if (!first)
                {
                    builder.Raw(" "u8);
                }

                first = false;
                unflushed += Write(session.Reply, builder, item, entry, data, rendered);
            }

            if (flagsChanged && items.All(i => i.Kind != FetchKind.Flags))
            {
                builder.Raw(" FLAGS "u8).Raw(ImapFlags.Octets(entry.Record));
            }

            builder.Raw(")\r\n"u8);
            session.Reply.Write(builder.Written);
            unflushed += builder.Written.Length;
            if (unflushed >= FlushThreshold)
            {
                // Flushing per message costs a write per message on FETCH 1:*; the pipe's backpressure still bounds memory.
                await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
                unflushed = 0;
            }
        }

        // No flush here: the tagged OK that follows flushes what is left, so a one-message FETCH is one send,
        // not two (and the client wakes once).
        return new ImapResult("Fetch completed.") { AllowExpunge = request.Uid };
    }

    /// <summary>Writes one data item; a literal's octets go straight to the reply (no copy through the builder). Returns the octets sent so.</summary>
    private static int Write(ImapReplyWriter reply, ImapResponseBuilder b, FetchItem item, MailboxMessage entry, MessageData? data, RenderedFetchItems? rendered)
    {
        switch (item.Kind)
        {
            case FetchKind.Uid:
                b.Raw("UID "u8).Number(entry.Uid);
                break;
            case FetchKind.Flags:
                b.Raw("FLAGS "u8).Raw(ImapFlags.Octets(entry.Record));
                break;
            case FetchKind.InternalDate:
                b.Raw("INTERNALDATE \"").Raw(ImapDate.Format(entry.Record.InternalDate)).Raw("\"");
                break;
            case FetchKind.Rfc822Size:
                b.Raw("RFC822.SIZE "u8).Number(entry.Record.Size);
                break;
            case FetchKind.ModSeq:
                b.Raw("MODSEQ ("u8).Number((long)entry.Record.ModSeq).Raw(")"u8);
                break;
            case FetchKind.Envelope:
                b.Raw("ENVELOPE ").Raw(rendered!.Envelope);
                break;
            case FetchKind.Body:
                b.Raw("BODY ").Raw(rendered!.Body!);
                break;
            case FetchKind.BodyStructure:
                b.Raw("BODYSTRUCTURE ").Raw(rendered!.BodyStructure!);
                break;
            case FetchKind.Rfc822:
                b.Raw("RFC822 ");
                return Literal(reply, b, data!.Bytes);
            case FetchKind.Rfc822Header:
                b.Raw("RFC822.HEADER ");
                return Literal(reply, b, data!.HeaderBytes);
            case FetchKind.Rfc822Text:
                b.Raw("RFC822.TEXT ");
                return Literal(reply, b, data!.BodyBytes);
            case FetchKind.Section:
                var bytes = Section(item, data!);
                b.Raw(item.Name);
                if (item.Partial is { } partial)
                {
                    b.Raw("<").Number(partial.Offset).Raw(">");
                    bytes = partial.Offset >= bytes.Length
                        ? []
                        : bytes.Slice((int)partial.Offset, (int)Math.Min(partial.Length, bytes.Length - partial.Offset));
                }

                b.Raw(" "u8);
                return Literal(reply, b, bytes);
        }

        return 0;
    }

    /// <summary>
    /// A literal (RFC 3501 §4.3): its announcement joins the response so far, which goes out with it, and
    /// the octets follow straight from the message's buffer; the builder carries on with what comes after.
    /// </summary>
    private static int Literal(ImapReplyWriter reply, ImapResponseBuilder b, ReadOnlySpan<byte> bytes)
    {
        b.Raw("{"u8).Number(bytes.Length).Raw("}\r\n"u8);
        var sent = b.Written.Length + bytes.Length;
        reply.Write(b.Written);
        reply.Write(bytes);
        b.Clear();
        return sent;
    }

    /// <summary>The octets of BODY[section] (RFC 3501 §6.4.5); empty when the part does not exist.</summary>
    private static ReadOnlySpan<byte> Section(FetchItem item, MessageData data)
    {
        if (item.Part.Count == 0 && item.Text.Length == 0)
        {
            return data.Bytes; // BODY[]: the whole message, no MIME parse needed
        }

        if (item.Part.Count == 0)
        {
            // The message's own HEADER, TEXT and HEADER.FIELDS need only where its header ends, not its
            // MIME tree: BODY.PEEK[HEADER] of a whole folder is what clients sync with.
            switch (item.Text)
            {
                case "HEADER":
                    return data.HeaderBytes;
                case "TEXT":
                    return data.BodyBytes;
                case "HEADER.FIELDS" or "HEADER.FIELDS.NOT":
                    return HeaderFields(data.HeaderBytes, item.Fields, item.Text == "HEADER.FIELDS.NOT");
            }
        }

        var root = data.Root;
        var node = item.Part.Count == 0 ? root : root.Find(item.Part);
        if (node is null)
        {
            return [];
        }

        // HEADER/TEXT of a part apply to the message/rfc822 it contains.
        var message = item.Part.Count == 0 ? root : node.Message;
        switch (item.Text)
        {
            case "":
                return item.Part.Count == 0 ? data.Bytes : node.BodyBytes;
            case "MIME":
                return node.HeaderBytes;
            case "TEXT":
                return message is null ? [] : message.BodyBytes;
            case "HEADER":
                return message is null ? [] : message.HeaderBytes;
            default:
                return message is null ? [] : HeaderFields(message.HeaderBytes, item.Fields, item.Text == "HEADER.FIELDS.NOT");
        }
    }

    /// <summary>The header lines (folded continuation lines included) of the listed fields, or of all others, then the blank line.</summary>
    private static byte[] HeaderFields(ReadOnlySpan<byte> header, IReadOnlyList<string> fields, bool not)
    {
        var wanted = new HashSet<string>(fields, StringComparer.OrdinalIgnoreCase);
        var result = new List<byte>();
        var include = false;
        var start = 0;
        while (start < header.Length)
        {
            var lf = header[start..].IndexOf((byte)'\n');
            var end = lf < 0 ? header.Length : start + lf + 1;
            var line = header[start..end];
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')
            {
                // continuation of the previous field
            }
            else if (line.Length > 0 && line[0] is not ((byte)'\r' or (byte)'\n'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon > 0 ? Encoding.ASCII.GetString(line[..colon]).Trim() : string.Empty;
                include = name.Length > 0 && wanted.Contains(name) != not;
            }
            else
            {
                include = false;
            }

            if (include)
            {
                result.AddRange(line);
            }

            start = end;
        }

        result.Add((byte)'\r');
        result.Add((byte)'\n');
        return [.. result];
    }
}
