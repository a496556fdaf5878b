using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Facteur.MailboxApi.Pop3.Commands;
using Facteur.MailboxApi.Pop3.Framing;
using Facteur.MailboxApi.Pop3.Parsing;
using Facteur.MailStore.Folders;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Facteur.MailboxApi.Pop3;

/// <summary>
/// One POP3 connection: the greeting, the command loop with its limits (line length, bad
/// commands, autologout), and the state that commands read and change. A dropped connection
/// ends without the UPDATE state, so nothing is deleted (RFC 1939 §6).
/// </summary>
internal sealed class Pop3Session
{
    private readonly ConnectionContext _connection;
    private SslStream? _tls;
    private int _badCommands;
    private int _authFailures;
    private CancellationTokenSource? _idle;
    private CancellationToken _idleParent;

    public Pop3Session(ConnectionContext connection, Pop3SessionServices services)
    {
        _connection = connection;
        Services = services;
        Input = new Pop3LineReader(connection.Transport.Input);
        Reply = new Pop3ReplyWriter(connection.Transport.Output);
        IsTls = connection.Features.Get<ImplicitTlsFeature>() is not null;
        RemoteAddress = (connection.RemoteEndPoint as IPEndPoint)?.Address;
    }

    public Pop3SessionServices Services { get; }

    public Pop3Options Options => Services.Options;

    public Pop3ReplyWriter Reply { get; }

    public Pop3State State { get; set; } = Pop3State.Authorization;

    public bool IsTls { get; private set; }

    public IPAddress? RemoteAddress { get; }

    /// <summary>The name given by USER, waiting for PASS.</summary>
    public string? PendingUser { get; set; }

    /// <summary>The canonical user after login.</summary>
    public string? User { get; private set; }

    public Maildrop? Maildrop { get; private set; }

    /// <summary>RFC 2595 §4: no cleartext passwords before TLS unless the site allows it.</summary>
    public bool CanAuthenticate => IsTls || Services.Facteur.AllowPlaintextAuth;

    public bool CanStartTls => !IsTls && Services.Certificate is not null;

    private Pop3LineReader Input { get; set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var activity = Pop3Telemetry.ActivitySource.StartActivity("pop3.session", ActivityKind.Server);
        activity?.SetTag("network.peer.address", RemoteAddress?.ToString());
        Services.Telemetry.Sessions.Add(1);
        Services.Telemetry.SessionsOpen.Add(1);
        Pop3Log.SessionOpened(Services.Logger, _connection.ConnectionId, RemoteAddress, IsTls);
        var reason = "closed by client";
        try
        {
            // No APOP timestamp in the greeting: APOP needs the clear password and only hashes are stored.
            await Reply.OkAsync($"{Options.Implementation} POP3 server ready.", cancellationToken).ConfigureAwait(false);
            reason = await CommandLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = "connection aborted";
        }
        catch (IOException)
        {
            reason = "connection reset";
        }
        catch (Exception exception)
        {
            reason = "internal error";
            Pop3Log.SessionFailed(Services.Logger, exception, _connection.ConnectionId);
        }
        finally
        {
            // Leaving without QUIT (drop, timeout, error): no UPDATE state, nothing deleted.
            await ReleaseMaildropAsync().ConfigureAwait(false);

            _idle?.Dispose();
            Services.Telemetry.SessionsOpen.Add(-1);
            Pop3Log.SessionClosed(Services.Logger, _connection.ConnectionId, reason);
            if (_tls is not null)
            {
                await _tls.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<string> CommandLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(Options.MaxLineLength, cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                await Reply.ErrAsync(null, "Autologout; idle for too long.", cancellationToken).ConfigureAwait(false);
                return "autologout";
            }

            switch (line.Value.Status)
            {
                case Pop3LineStatus.Closed:
                    return "closed by client";
                case Pop3LineStatus.TooLong:
                    if (await RejectAsync("Line too long.", cancellationToken).ConfigureAwait(false))
                    {
                        return "too many bad commands";
                    }

                    continue;
            }

            if (!Pop3CommandParser.TryParse(line.Value.Bytes, out var command))
            {
                if (await RejectAsync("Syntax error.", cancellationToken).ConfigureAwait(false))
                {
                    return "too many bad commands";
                }

                continue;
            }

            var handler = Pop3CommandTable.Find(command.Verb);
            if (handler is null)
            {
                if (await RejectAsync("Unknown command.", cancellationToken).ConfigureAwait(false))
                {
                    return "too many bad commands";
                }

                continue;
            }

            if (!Pop3StateTable.IsAllowed(State, command.Verb))
            {
                var text = State == Pop3State.Authorization ? "Not logged in." : "Command not allowed in this state.";
                if (await RejectAsync(text, cancellationToken).ConfigureAwait(false))
                {
                    return "too many bad commands";
                }

                continue;
            }

            using var activity = Pop3Telemetry.ActivitySource.StartActivity("pop3." + command.Keyword.ToLowerInvariant());
            if (await handler.ExecuteAsync(this, command, cancellationToken).ConfigureAwait(false) == Pop3Outcome.Close)
            {
                return command.Verb == Pop3Verb.Quit ? "quit" : "closed by server";
            }
        }
    }

    /// <summary>Reads one line, or null when the autologout timer (RFC 1939 §3) fired.</summary>
    public async ValueTask<Pop3Line?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        // One autologout timer per session, re-armed per line (TryReset), instead of a linked source and
        // a timer created and torn down for every command: a RETR loop is one command per message.
        if (_idle is null || _idleParent != cancellationToken || !_idle.TryReset())
        {
            _idle?.Dispose();
            _idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _idleParent = cancellationToken;
        }

        _idle.CancelAfter(Options.AutologoutTimeout);
        try
        {
            return await Input.ReadLineAsync(maxLength, _idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Answers a bad command; true when the limit is reached and the session must close.</summary>
    public async ValueTask<bool> RejectAsync(string text, CancellationToken cancellationToken)
    {
        if (++_badCommands >= Options.MaxBadCommands)
        {
            await Reply.ErrAsync(null, "Too many bad commands, closing.", cancellationToken).ConfigureAwait(false);
            return true;
        }

        await Reply.ErrAsync(null, text, cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Checks the credentials and opens the maildrop. Failures are delayed and counted per IP;
    /// a second session on the same maildrop gets [IN-USE] (RFC 2449 §8.1.1).
    /// </summary>
    public async ValueTask<Pop3Outcome> LoginAsync(string userName, string password, CancellationToken cancellationToken)
    {
        if (Services.Throttle.IsBlocked(RemoteAddress, userName))
        {
            await Reply.ErrAsync("SYS/TEMP", "Too many failed logins; try again later.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Close;
        }

        var user = userName.Length == 0 || password.Length == 0
            ? null
            : await Services.Authenticator.AuthenticateAsync(userName, password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            Services.Telemetry.AuthFailures.Add(1);
            var (delay, count) = Services.Throttle.RecordFailure(RemoteAddress, userName);
            Pop3Log.LoginFailed(Services.Logger, RemoteAddress, count);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            await Reply.ErrAsync("AUTH", "Authentication failed.", cancellationToken).ConfigureAwait(false);
            return ++_authFailures >= Options.MaxAuthFailuresPerSession ? Pop3Outcome.Close : Pop3Outcome.Continue;
        }

        Maildrop? maildrop;
        try
        {
            var folder = new MaildirFolder(UserMaildir.Open(Services.Facteur.MailRoot, user).Path) { LockTimeout = Options.MaildropLockTimeout };
            maildrop = await Maildrop.OpenAsync(folder, user, Services.Maildrops, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or TimeoutException or ArgumentException)
        {
            Pop3Log.MaildropFailed(Services.Logger, exception, user);
            await Reply.ErrAsync("SYS/TEMP", "The maildrop cannot be opened now; try again later.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        if (maildrop is null)
        {
            Pop3Log.MaildropInUse(Services.Logger, user);
            await Reply.ErrAsync("IN-USE", "The maildrop is in use by another POP3 session.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Continue;
        }

        User = user;
        Maildrop = maildrop;
        State = Pop3State.Transaction;
        PendingUser = null;
        Pop3Log.LoggedIn(Services.Logger, user, RemoteAddress);
        await Reply.OkAsync($"Logged in; {maildrop.Count} messages ({maildrop.TotalSize} octets).", cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }

    /// <summary>
    /// Releases the maildrop and its session lock. QUIT does so before its reply (RFC 1939 §6: UPDATE, then
    /// the lock is released, then the connection closes), so a client that reconnects the moment it reads
    /// "+OK" is not told [IN-USE] by its own previous session.
    /// </summary>
    public async ValueTask ReleaseMaildropAsync()
    {
        if (Maildrop is { } maildrop)
        {
            Maildrop = null;
            await maildrop.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// STLS (RFC 2595 §4): after "+OK", the TLS handshake, then the session goes on over TLS in
    /// the AUTHORIZATION state with a fresh capability list. Bytes the client pipelined after STLS
    /// are refused: they were sent in the clear and must not be read as if they came over TLS.
    /// </summary>
    public async ValueTask<Pop3Outcome> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (Input.HasBufferedInput())
        {
            await Reply.ErrAsync(null, "Commands pipelined after STLS; closing.", cancellationToken).ConfigureAwait(false);
            return Pop3Outcome.Close;
        }

        await Reply.OkAsync("Begin TLS negotiation now.", cancellationToken).ConfigureAwait(false);
        var tls = await StartTlsHandshake.TryAsync(_connection, Services.Certificate!.Certificate, exception => Pop3Log.TlsFailed(Services.Logger, exception, _connection.ConnectionId), cancellationToken).ConfigureAwait(false);
        if (tls is null)
        {
            return Pop3Outcome.Close;
        }

        _tls = tls;
        Input = new Pop3LineReader(PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true)));
        Reply.Writer = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        IsTls = true;
        PendingUser = null;
        return Pop3Outcome.Continue;
    }
}
