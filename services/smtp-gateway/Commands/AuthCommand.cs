using System.Buffers;
using System.Text;
using Facteur.SmtpGateway.Framing;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN. Failures are slowed down
/// (<see cref="SmtpOptions.AuthFailureDelay"/>) and counted per client address; at
/// <see cref="SmtpOptions.MaxAuthFailuresPerIp"/> the session is closed with 421 and AUTH from
/// that address gets 454 4.7.0 until the window passes. Passwords are never logged or kept.
/// </summary>
internal sealed class AuthCommand : ISmtpCommand
{
    private static readonly SmtpReply Cancelled = new(501, "5.0.0", "Authentication cancelled");
    private static readonly SmtpReply BadBase64 = new(501, "5.5.2", "Cannot decode response");
    private static readonly SmtpReply Failed = new(535, "5.7.8", "Authentication credentials invalid");

    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        var dependencies = session.Dependencies;
        if (session.Listener == SmtpListenerKind.Mx)
        {
            return session.Reject(new SmtpReply(503, "5.5.1", "Error: authentication not enabled on this port"));
        }

        if (session.AuthenticatedUser is not null)
        {
            return session.Reject(new SmtpReply(503, "5.5.1", "Error: already authenticated"));
        }

        if (!session.AuthAvailable)
        {
            return session.Reject(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
        }

        if (dependencies.AuthFailures.IsBlocked(session.Client))
        {
            return session.Reject(new SmtpReply(454, "4.7.0", "Too many authentication failures, try again later"));
        }

        if (!TryParse(arguments, out var mechanism, out var initialResponse))
        {
            return session.Reject(new SmtpReply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
        }

        string? user;
        string? password;
        switch (mechanism)
        {
            case "PLAIN":
            {
                var (reply, data) = await ReceiveAsync(session, initialResponse, "", cancellationToken);
                if (reply is not null)
                {
                    return session.Reject(reply.Value);
                }

                if (!TrySplitPlain(data!, out user, out password))
                {
                    return await FailAsync(session, mechanism, cancellationToken);
                }

                break;
            }

            case "LOGIN":
            {
                var (reply, data) = await ReceiveAsync(session, initialResponse, "VXNlcm5hbWU6", cancellationToken); // "Username:"
                if (reply is not null)
                {
                    return session.Reject(reply.Value);
                }

                user = Decode(data!);
                (reply, data) = await ReceiveAsync(session, null, "UGFzc3dvcmQ6", cancellationToken); // "Password:"
                if (reply is not null)
                {
                    return session.Reject(reply.Value);
                }

                password = Decode(data!);
                Array.Clear(data!);
                break;
            }

            default:
                return session.Reject(new SmtpReply(504, "5.5.4", "Unrecognized authentication type"));
        }

        if (user is null || password is null || user.Length == 0)
        {
            return await FailAsync(session, mechanism, cancellationToken);
        }

        var canonical = await dependencies.Authenticator.AuthenticateAsync(user, password, cancellationToken);
        if (canonical is null)
        {
            return await FailAsync(session, mechanism, cancellationToken);
        }

        session.AuthenticatedUser = canonical;
        SmtpLog.AuthSucceeded(dependencies.Logger, canonical, session.Client);
        return session.Reply(new SmtpReply(235, "2.7.0", "Authentication successful"));
    }

    /// <summary>The initial response, or a 334 challenge and the client's answer line.</summary>
    private static async ValueTask<(SmtpReply? Reply, byte[]? Data)> ReceiveAsync(SmtpSession session, string? initialResponse, string challenge, CancellationToken cancellationToken)
    {
        var line = initialResponse;
        if (line is null)
        {
            session.Replies.WriteChallenge(challenge);
            var (status, bytes) = await session.ReadLineAsync(session.Options.MaxLineLength, session.Options.CommandTimeout, cancellationToken);
            switch (status)
            {
                case LineStatus.EndOfInput:
                    throw new IOException("Connection closed during AUTH");
                case LineStatus.TooLong:
                    return (new SmtpReply(500, "5.5.6", "Authentication exchange line is too long"), null);
            }

            if (!Ascii.IsValid(bytes.Span))
            {
                return (BadBase64, null);
            }

            line = Encoding.ASCII.GetString(bytes.Span);
            System.Runtime.InteropServices.MemoryMarshal.AsMemory(bytes).Span.Clear(); // the line buffer held a password
        }

        return SaslResponseParser.Decode(line, out var data) switch
        {
            SaslResponseKind.Cancelled => (Cancelled, null),
            SaslResponseKind.Invalid => (BadBase64, null),
            _ => (null, data),
        };
    }

    /// <summary>RFC 4616: [authzid] NUL authcid NUL passwd. Acting as another user (authzid) is not supported.</summary>
    private static bool TrySplitPlain(byte[] data, out string? user, out string? password)
    {
        user = null;
        password = null;
        var first = Array.IndexOf(data, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(data, (byte)0, first + 1);
        if (first < 0 || second < 0 || Array.IndexOf(data, (byte)0, second + 1) >= 0)
        {
            return false;
        }

        var authzid = Decode(data.AsSpan(0, first));
        user = Decode(data.AsSpan(first + 1, second - first - 1));
        password = Decode(data.AsSpan(second + 1));
        Array.Clear(data);
        return user is not null && password is not null && (string.IsNullOrEmpty(authzid) || authzid == user);
    }

    private static string? Decode(ReadOnlySpan<byte> bytes)
        => System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private static async ValueTask<CommandOutcome> FailAsync(SmtpSession session, string mechanism, CancellationToken cancellationToken)
    {
        var dependencies = session.Dependencies;
        SmtpLog.AuthFailed(dependencies.Logger, session.Client, mechanism);
        dependencies.Telemetry.AuthFailures.Add(1);
        await Task.Delay(session.Options.AuthFailureDelay, dependencies.Time, cancellationToken);
        if (dependencies.AuthFailures.RecordFailure(session.Client))
        {
            session.Replies.Write(new SmtpReply(421, "4.7.0", "Too many authentication failures, closing"));
            return CommandOutcome.Close;
        }

        return session.Reject(Failed);
    }

    private static bool TryParse(ReadOnlySequence<byte> arguments, out string mechanism, out string? initialResponse)
    {
        var reader = new SequenceReader<byte>(arguments);
        return AuthParser.TryParse(ref reader, out mechanism, out initialResponse);
    }
}
