using System.Text;

namespace Facteur.MailboxApi.Imap.Commands;

/// <summary>STARTTLS, LOGIN and AUTHENTICATE PLAIN/LOGIN with SASL-IR (RFC 3501 §6.2, RFC 4616, RFC 4959).</summary>
internal static class AuthCommands
{
    public static ValueTask<ImapResult> StartTlsAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        request.Arguments.ExpectEnd();
        return session.StartTlsAsync(request.Tag, cancellationToken);
    }

    public static async ValueTask<ImapResult> LoginAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var user = arguments.ReadAstring();
        arguments.Space();
        var password = arguments.ReadAstring();
        arguments.ExpectEnd();
        if (!session.CanAuthenticate)
        {
            throw new ImapNoException("Plaintext authentication is disabled; use STARTTLS first.", "PRIVACYREQUIRED");
        }

        return await session.LoginAsync(user, password, cancellationToken).ConfigureAwait(false);
    }

    public static async ValueTask<ImapResult> AuthenticateAsync(ImapSession session, ImapRequest request, CancellationToken cancellationToken)
    {
        var arguments = request.Arguments;
        arguments.Space();
        var mechanism = arguments.ReadAtom().ToUpperInvariant();
        string? initial = null;
        if (arguments.TryConsume(' '))
        {
            initial = arguments.ReadAtom();
        }

        arguments.ExpectEnd();
        if (mechanism is not ("PLAIN" or "LOGIN"))
        {
            throw new ImapNoException("Unsupported authentication mechanism.");
        }

        if (!session.CanAuthenticate)
        {
            throw new ImapNoException("Plaintext authentication is disabled; use STARTTLS first.", "PRIVACYREQUIRED");
        }

        if (mechanism == "PLAIN")
        {
            var response = initial ?? await PromptAsync(session, string.Empty, cancellationToken).ConfigureAwait(false);
            var decoded = Decode(response == "=" ? string.Empty : response);
            var parts = decoded.Split('\0');
            if (parts.Length != 3)
            {
                throw new ImapNoException("Malformed PLAIN response.", "AUTHENTICATIONFAILED");
            }

            // The authorization identity must be empty or the user itself: no proxy authorization.
            if (parts[0].Length > 0 && !string.Equals(parts[0], parts[1], StringComparison.OrdinalIgnoreCase))
            {
                throw new ImapNoException("Authorization identity not permitted.", "AUTHORIZATIONFAILED");
            }

            return await session.LoginAsync(parts[1], parts[2], cancellationToken).ConfigureAwait(false);
        }

        var user = initial is null
            ? Decode(await PromptAsync(session, Convert.ToBase64String("Username:"u8), cancellationToken).ConfigureAwait(false))
            : Decode(initial);
        var password = Decode(await PromptAsync(session, Convert.ToBase64String("Password:"u8), cancellationToken).ConfigureAwait(false));
        return await session.LoginAsync(user, password, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<string> PromptAsync(ImapSession session, string challenge, CancellationToken cancellationToken)
    {
        session.Reply.WriteLine(challenge.Length == 0 ? "+ " : "+ " + challenge);
        await session.Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        var line = await session.ReadContinuationAsync(cancellationToken).ConfigureAwait(false) ?? throw new ClientGoneException();
        if (line == "*")
        {
            // RFC 3501 §6.2.2: the client cancels with "*".
            throw new Parsing.ImapParseException("Authentication cancelled");
        }

        return line;
    }

    private static string Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new Parsing.ImapParseException("Invalid base64");
        }
    }
}
