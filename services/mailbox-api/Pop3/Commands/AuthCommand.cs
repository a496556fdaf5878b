using System.Text;
using Facteur.MailboxApi.Pop3.Framing;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>
/// AUTH mechanism [initial-response] (RFC 5034): PLAIN (RFC 4616) and LOGIN, with the initial
/// response ("=" for an empty one, §4). "*" cancels. AUTH with no argument lists the mechanisms,
/// which many clients use for discovery although only CAPA is standard.
/// </summary>
internal sealed class AuthCommand : IPop3Command
{
    private static readonly string[] Mechanisms = ["PLAIN", "LOGIN"];

    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count == 0)
        {
            await session.Reply.MultiLineAsync("Supported mechanisms:", session.CanAuthenticate ? Mechanisms : [], cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        if (!session.CanAuthenticate)
        {
            await session.Reply.ErrAsync("AUTH", "Plaintext authentication disallowed on non-secure connections; use STLS.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        if (command.Arguments.Count > 2)
        {
            return await MessageArgument.SyntaxErrorAsync(session, "AUTH mechanism [initial-response]", cancellationToken).ConfigureAwait(false);
        }

        var mechanism = command.Arguments[0].ToUpperInvariant();
        var initial = command.Arguments.Count == 2 ? command.Arguments[1] : null;
        return mechanism switch
        {
            "PLAIN" => await PlainAsync(session, initial, cancellationToken).ConfigureAwait(false),
            "LOGIN" => await LoginAsync(session, initial, cancellationToken).ConfigureAwait(false),
            _ => await RejectMechanismAsync(session, cancellationToken).ConfigureAwait(false),
        };
    }

    private static async ValueTask<Pop3Outcome> RejectMechanismAsync(Pop3Session session, CancellationToken cancellationToken)
    {
        await session.Reply.ErrAsync(null, "Unsupported authentication mechanism.", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }

    private static async ValueTask<Pop3Outcome> PlainAsync(Pop3Session session, string? initial, CancellationToken cancellationToken)
    {
        var response = initial ?? await ChallengeAsync(session, string.Empty, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return await CancelledAsync(session, cancellationToken).ConfigureAwait(false);
        }

        var decoded = Decode(response);
        // authzid NUL authcid NUL passwd (RFC 4616 §2); a different authzid (proxy login) is not offered.
        var parts = decoded?.Split('\0');
        if (parts is not { Length: 3 } || (parts[0].Length > 0 && parts[0] != parts[1]))
        {
            return await BadResponseAsync(session, cancellationToken).ConfigureAwait(false);
        }

        return await session.LoginAsync(parts[1], parts[2], cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<Pop3Outcome> LoginAsync(Pop3Session session, string? initial, CancellationToken cancellationToken)
    {
        var userResponse = initial ?? await ChallengeAsync(session, "VXNlcm5hbWU6", cancellationToken).ConfigureAwait(false); // "Username:"
        if (userResponse is null)
        {
            return await CancelledAsync(session, cancellationToken).ConfigureAwait(false);
        }

        var user = Decode(userResponse);
        if (user is null)
        {
            return await BadResponseAsync(session, cancellationToken).ConfigureAwait(false);
        }

        var passwordResponse = await ChallengeAsync(session, "UGFzc3dvcmQ6", cancellationToken).ConfigureAwait(false); // "Password:"
        if (passwordResponse is null)
        {
            return await CancelledAsync(session, cancellationToken).ConfigureAwait(false);
        }

        var password = Decode(passwordResponse);
        return password is null
            ? await BadResponseAsync(session, cancellationToken).ConfigureAwait(false)
            : await session.LoginAsync(user, password, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends "+ challenge" and reads the client's line; null when the client cancelled ("*"), timed out or sent garbage.</summary>
    private static async ValueTask<string?> ChallengeAsync(Pop3Session session, string challenge, CancellationToken cancellationToken)
    {
        await session.Reply.ContinueAsync(challenge, cancellationToken).ConfigureAwait(false);
        var line = await session.ReadLineAsync(session.Options.MaxAuthLineLength, cancellationToken).ConfigureAwait(false);
        if (line is null)
        {
            // The autologout timer fired in the middle of the exchange: end the session as the loop would.
            await session.Reply.ErrAsync(null, "Autologout; idle for too long.", cancellationToken).ConfigureAwait(false);
            throw new OperationCanceledException("Autologout during AUTH.");
        }

        if (line is not { Status: Pop3LineStatus.Line } complete)
        {
            if (line is { Status: Pop3LineStatus.Closed })
            {
                throw new OperationCanceledException("Client closed during AUTH.");
            }

            return null; // overlong response: treated as a cancelled exchange
        }

        var text = Encoding.ASCII.GetString(complete.Bytes);
        return text == "*" ? null : text;
    }

    private static string? Decode(string base64)
    {
        if (base64 == "=")
        {
            return string.Empty; // RFC 5034 §4: "=" is an empty initial response
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static async ValueTask<Pop3Outcome> CancelledAsync(Pop3Session session, CancellationToken cancellationToken)
    {
        await session.Reply.ErrAsync(null, "Authentication cancelled.", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }

    private static async ValueTask<Pop3Outcome> BadResponseAsync(Pop3Session session, CancellationToken cancellationToken) =>
        await session.RejectAsync("Invalid base64 or SASL response.", cancellationToken).ConfigureAwait(false) ? Pop3Outcome.Close : Pop3Outcome.Continue;
}
