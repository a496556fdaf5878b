using System.Net;
using System.Text;
using Facteur.MailboxApi.Imap.Parsing;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>CAPABILITY, NOOP/CHECK, LOGOUT (RFC 3501 §6.1), ID (RFC 2971), NAMESPACE (RFC 2342), ENABLE (RFC 5161).</summary>
internal static class AnyStateCommands
{
    public static ValueTask<ImapResult> CapabilityAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        session.Reply.Untagged("CAPABILITY " + session.Capabilities);
        return ValueTask.FromResult(ImapResult.Ok());
    }

    public static ValueTask<ImapResult> NoopAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        return ValueTask.FromResult(ImapResult.Ok());
    }

    /// <summary>CHECK (RFC 3501 §6.4.1, selected state): a checkpoint, then the same untagged updates as NOOP.</summary>
    public static async ValueTask<ImapResult> CheckAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        if (session.Selected is { } selected)
        {
            await selected.Folder.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        return ImapResult.Ok();
    }

    public static ValueTask<ImapResult> LogoutAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        session.Reply.Untagged("BYE Logging out.");
        session.State = ImapState.Logout;
        return ValueTask.FromResult(new ImapResult("Logout completed.") { Refresh = false, Close = true });
    }

    public static ValueTask<ImapResult> IdAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        IPAddress? originatingIp = null;
        if (!arguments.TryKeyword("NIL"))
        {
            // RFC 2971: field names are at most 30 octets, at most 30 pairs; we allow some slack. Only
            // x-originating-ip (Dovecot's name, sent by webmails for their users) is looked at.
            var count = 0;
            arguments.ReadList(() =>
            {
                if (++count > 60)
                {
                    throw new ImapParseException("Too many ID parameters");
                }

                var field = arguments.ReadStringBytes();
                arguments.Space();
                var value = arguments.ReadNStringBytes();
                if (value is not null && Encoding.ASCII.GetString(field).Equals("x-originating-ip", StringComparison.OrdinalIgnoreCase)
                    && IPAddress.TryParse(Encoding.ASCII.GetString(value), out var parsed))
                {
                    originatingIp = parsed;
                }
            });
        }

        arguments.ExpectEnd();
        if (originatingIp is not null)
        {
            session.ClientNamedByPeer(originatingIp);
        }

        session.Reply.Untagged($"ID (\"name\" {ImapResponseBuilder.Quote(session.Options.Implementation)} \"vendor\" \"Facteur\")");
        return ValueTask.FromResult(ImapResult.Ok());
    }

    public static ValueTask<ImapResult> NamespaceAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        session.Reply.Untagged("NAMESPACE ((\"\" \".\")) NIL NIL");
        return ValueTask.FromResult(ImapResult.Ok());
    }

    /// <summary>ENABLE (RFC 5161): CONDSTORE and QRESYNC can be enabled; others are ignored.</summary>
    public static ValueTask<ImapResult> EnableAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        var enabled = new List<string>();
        do
        {
            arguments.Space();
            var extension = arguments.ReadAtom().ToUpperInvariant();
            if (extension == "CONDSTORE" && !session.CondStore)
            {
                session.CondStore = true;
                enabled.Add(extension);
            }
            else if (extension == "QRESYNC" && !session.QResync)
            {
                // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE too.
                session.QResync = session.CondStore = true;
                enabled.Add(extension);
            }
        }
        while (!arguments.AtEnd);

        arguments.ExpectEnd();
        if (session.Selected is { } selected)
        {
            selected.CondStore = session.CondStore;
            selected.QResync = session.QResync;
        }

        session.Reply.Untagged(enabled.Count == 0 ? "ENABLED" : "ENABLED " + string.Join(' ', enabled));
        return ValueTask.FromResult(ImapResult.Ok());
    }
}
