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
        if (!arguments.TryKeyword("NIL"))
        {
            // The client's parameters are only read for syntax; nothing depends on them.
            var count = 0;
            arguments.ReadList(() =>
            {
                if (++count > 60)
                {
                    throw new ImapParseException("Too many ID parameters");
                }

                arguments.ReadStringBytes();
                arguments.Space();
                arguments.ReadNStringBytes();
            });
        }

        arguments.ExpectEnd();
        session.Reply.Untagged($"ID (\"name\" {ImapResponseBuilder.Quote(session.Options.Implementation)} \"vendor\" \"Facteur\")");
        return ValueTask.FromResult(ImapResult.Ok());
    }

    public static ValueTask<ImapResult> NamespaceAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        session.Reply.Untagged("NAMESPACE ((\"\" \".\")) NIL NIL");
        return ValueTask.FromResult(ImapResult.Ok());
    }

    /// <summary>No extension Facteur supports needs enabling yet: the list of enabled ones is empty (RFC 5161 §3.2).</summary>
    public static ValueTask<ImapResult> EnableAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        arguments.ReadAtom();
        while (arguments.TryConsume(' '))
        {
            arguments.ReadAtom();
        }

        arguments.ExpectEnd();
        session.Reply.Untagged("ENABLED");
        return ValueTask.FromResult(ImapResult.Ok());
    }
}
