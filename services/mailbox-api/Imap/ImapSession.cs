using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using Facteur.MailboxApi.Imap.Commands;
using Facteur.MailboxApi.Imap.Framing;
using Facteur.MailboxApi.Imap.Parsing;
using Facteur.MailboxApi.Pop3.Framing;
using Facteur.MailboxApi.Imap.Mailbox;
using Facteur.MailStore.Index;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Facteur.MailboxApi.Imap;

/// <summary>
/// One IMAP connection: greeting, the command loop with its limits (line and literal size, bad
/// commands, autologout, output timeout), the state of RFC 3501 §3 and what commands share.
/// </summary>
internal sealed class ImapSession
{
    private readonly ConnectionContext _connection;
    private SslStream? _tls;
    private DeflateLayer? _compression;
    private int _badCommands;
    private int _authFailures;
    private string? _userSlot;

    public ImapSession(ConnectionContext connection, ImapSessionServices services)
    {
        _connection = connection;
        Services = services;
        Input = new ImapCommandReader(connection.Transport.Input);
        Reply = new ImapReplyWriter(connection.Transport.Output, services.Options.OutputTimeout);
        IsTls = connection.Features.Get<ImplicitTlsFeature>() is not null;
        PeerAddress = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        RemoteAddress = PeerAddress;
    }

    public ImapSessionServices Services { get; }

    public ImapOptions Options => Services.Options;

    public ImapReplyWriter Reply { get; }

    public ImapCommandReader Input { get; private set; }

    public ImapState State { get; set; } = ImapState.NotAuthenticated;

    public bool IsTls { get; private set; }

    /// <summary>The client: the socket's peer, or the address a trusted peer named with ID before login.</summary>
    public IPAddress? RemoteAddress { get; private set; }

    /// <summary>The socket's peer (after PROXY protocol).</summary>
    public IPAddress? PeerAddress { get; }

    // Decided once at the start of the session (TrustedPeers may resolve host names).
    private bool _peerTrusted;

    /// <summary>
    /// ID's <c>x-originating-ip</c> from a peer in <see cref="ImapOptions.TrustedNetworks"/> or
    /// <see cref="ImapOptions.TrustedHosts"/> (the webmail)
    /// before login; from anyone else, or once logged in, it is ignored (a client must not choose the
    /// address its failed logins are counted under).
    /// </summary>
    public void ClientNamedByPeer(IPAddress address)
    {
        if (State == ImapState.NotAuthenticated && _peerTrusted)
        {
            RemoteAddress = address;
            ImapLog.ClientNamedByTrustedPeer(Services.Logger, _connection.ConnectionId, PeerAddress, address);
        }
    }

    public string? User { get; private set; }

    public UserMailbox? Mailbox { get; private set; }

    public SelectedMailbox? Selected { get; set; }

    /// <summary>CONDSTORE enabled (RFC 7162 §3.1): every FETCH response then carries MODSEQ.</summary>
    public bool CondStore { get; set; }

    /// <summary>QRESYNC enabled (RFC 7162 §3.2.3, implies CONDSTORE): expunges are reported as VANISHED.</summary>
    public bool QResync { get; set; }

    /// <summary>COMPRESS=DEFLATE is active (RFC 4978).</summary>
    public bool Compressed => _compression is not null;

    /// <summary>RFC 3501 §6.2.3 / RFC 8314: no cleartext passwords before TLS unless the site allows it.</summary>
    public bool CanAuthenticate => IsTls || Services.Facteur.AllowPlaintextAuth;

    public bool CanStartTls => !IsTls && Services.Certificate is not null;

    public string Capabilities
    {
        get
        {
            var caps = new StringBuilder("IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS QUOTA QUOTA=RES-STORAGE ESEARCH CONDSTORE QRESYNC SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES");
            if (CanStartTls)
            {
                caps.Append(" STARTTLS");
            }

            if (State == ImapState.NotAuthenticated)
            {
                caps.Append(CanAuthenticate ? " AUTH=PLAIN AUTH=LOGIN" : " LOGINDISABLED");
            }
            else
            {
                // RFC 4978 §3: COMPRESS is valid once authenticated.
                caps.Append(" COMPRESS=DEFLATE");
            }

            return caps.ToString();
        }
    }

    public UserMailbox RequireMailbox() => Mailbox ?? throw new ImapNoException("Not logged in.");

    public SelectedMailbox RequireSelected() => Selected ?? throw new ImapNoException("No mailbox selected.");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var activity = ImapTelemetry.ActivitySource.StartActivity("imap.session", ActivityKind.Server);
        var ipSlot = "ip:" + (RemoteAddress?.ToString() ?? "unknown");
        _peerTrusted = await Services.TrustedPeers.IsTrustedAsync(PeerAddress, cancellationToken).ConfigureAwait(false);
        var countedPerIp = !_peerTrusted; // the webmail carries many users' sessions
        if (countedPerIp && !Services.Limiter.TryAcquire(ipSlot, Options.MaxConnectionsPerIp))
        {
            Reply.Untagged("BYE [UNAVAILABLE] Too many connections from your address.");
            await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        Services.Telemetry.Sessions.Add(1);
        Services.Telemetry.SessionsOpen.Add(1);
        ImapLog.SessionOpened(Services.Logger, _connection.ConnectionId, RemoteAddress, IsTls);
        var reason = "closed by client";
        try
        {
            Reply.Untagged($"OK [CAPABILITY {Capabilities}] {Options.Implementation} IMAP4rev1 server ready.");
            await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            reason = await CommandLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Services.Stopping.IsCancellationRequested && CanSayBye && !_connection.ConnectionClosed.IsCancellationRequested)
        {
            // RFC 3501 §7.1.5: BYE when the server is shutting down. Only between responses: a
            // command cut short may have left half a line in the output.
            reason = "server shutting down";
            await SayByeAsync("BYE Server shutting down.").ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            reason = "connection aborted";
        }
        catch (ClientGoneException)
        {
            reason = "closed by server";
        }
        catch (IOException exception)
        {
            reason = "connection reset: " + exception.Message;
            _connection.Abort();
        }
        catch (InvalidDataException)
        {
            // After COMPRESS: input that is not a deflate stream. Nothing more can be read; drop the connection.
            reason = "corrupt compressed input";
            _connection.Abort();
        }
        catch (Exception exception)
        {
            reason = "internal error";
            ImapLog.SessionFailed(Services.Logger, exception, _connection.ConnectionId);
        }
        finally
        {
            if (countedPerIp)
            {
                Services.Limiter.Release(ipSlot);
            }

            if (_userSlot is not null)
            {
                Services.Limiter.Release(_userSlot);
            }

            Services.Telemetry.SessionsOpen.Add(-1);
            ImapLog.SessionClosed(Services.Logger, _connection.ConnectionId, reason);
            if (_compression is not null)
            {
                await _compression.DisposeAsync().ConfigureAwait(false);
            }

            if (_tls is not null)
            {
                await _tls.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>True while the session waits for the client with every response written (for a command, or in IDLE).</summary>
    public bool CanSayBye { get; set; }

    private async Task SayByeAsync(string bye)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            Reply.Untagged(bye);
            await Reply.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client is not reading or has gone; the connection closes either way.
        }
    }

    private TimeSpan IdleTimeout => State == ImapState.NotAuthenticated ? Options.PreAuthTimeout : Options.AutologoutTimeout;

    private async Task<string> CommandLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ImapFrame frame;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                idle.CancelAfter(IdleTimeout);
                try
                {
                    // Only a logged-in user's literals may go to disk; before that they stay in memory (and within Imap:MaxLiteralSize).
                    var spill = State is ImapState.Authenticated or ImapState.Selected ? Services.Spill : null;
                    CanSayBye = true;
                    frame = await Input.ReadCommandAsync(Options.MaxLineLength, Options.MaxLiteralSize, ContinueLiteralAsync, spill, idle.Token).ConfigureAwait(false);
                    CanSayBye = false;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Reply.Untagged("BYE Autologout; idle for too long.");
                    await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return "autologout";
                }
            }

            switch (frame.Status)
            {
                case ImapFrameStatus.Closed:
                    return "closed by client";
                case ImapFrameStatus.LineTooLong:
                    Reply.Untagged("BAD Command line too long.");
                    if (await CountBadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return "too many bad commands";
                    }

                    await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                case ImapFrameStatus.LiteralTooBig:
                    // The client waits for "+" before sending the octets: refuse and go on (RFC 7889 §4).
                    await Reply.TaggedAsync(TagOf(frame.Bytes), "NO", "[TOOBIG] Literal too big.", cancellationToken).ConfigureAwait(false);
                    continue;
                case ImapFrameStatus.NonSyncLiteralTooBig:
                    Reply.WriteLine($"{TagOf(frame.Bytes)} BAD [TOOBIG] Literal too big.");
                    Reply.Untagged("BYE Literal too big; closing.");
                    await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return "non-synchronizing literal too big";
            }

            string? outcome;
            try
            {
                outcome = await ExecuteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await frame.ReleaseAsync().ConfigureAwait(false);
            }

            if (outcome is not null)
            {
                return outcome;
            }
        }
    }

    private ValueTask ContinueLiteralAsync(CancellationToken cancellationToken) => Reply.ContinueAsync("Ready for literal data", cancellationToken);

    private static string TagOf(byte[] line)
    {
        try
        {
            return new ImapParser(line).ReadTag();
        }
        catch (ImapParseException)
        {
            return "*";
        }
    }

    /// <summary>Runs one command; returns a close reason or null to go on.</summary>
    private async Task<string?> ExecuteAsync(ImapFrame frame, CancellationToken cancellationToken)
    {
        var parser = new ImapParser(frame.Bytes, frame.Spilled);
        string tag;
        string name;
        var uid = false;
        try
        {
            tag = parser.ReadTag();
        }
        catch (ImapParseException)
        {
            Reply.Untagged("BAD Missing tag or command.");
            return await CountBadAsync(cancellationToken).ConfigureAwait(false) ? "too many bad commands" : await FlushNullAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            parser.Space();
            name = parser.ReadAtom(allowBracket: false).ToUpperInvariant();
        }
        catch (ImapParseException)
        {
            // The tag was readable: the client is waiting for it (RFC 3501 §7.1.3 keeps untagged BAD for unknown tags).
            await Reply.TaggedAsync(tag, "BAD", "Missing or invalid command name.", cancellationToken).ConfigureAwait(false);
            return await CountBadAsync(cancellationToken).ConfigureAwait(false) ? "too many bad commands" : null;
        }

        var handler = ImapCommandTable.Find(name);
        if (handler is null)
        {
            await Reply.TaggedAsync(tag, "BAD", "Unknown command.", cancellationToken).ConfigureAwait(false);
            return await CountBadAsync(cancellationToken).ConfigureAwait(false) ? "too many bad commands" : null;
        }

        if (!ImapStateTable.IsAllowed(State, name))
        {
            var text = State == ImapState.NotAuthenticated ? "Not logged in." : State == ImapState.Authenticated && ImapStateTable.IsAllowed(ImapState.Selected, name) ? "No mailbox selected." : "Command not allowed in this state.";
            await Reply.TaggedAsync(tag, "BAD", text, cancellationToken).ConfigureAwait(false);
            return await CountBadAsync(cancellationToken).ConfigureAwait(false) ? "too many bad commands" : null;
        }

        if (name == "UID")
        {
            try
            {
                parser.Space();
                name = parser.ReadAtom(allowBracket: false).ToUpperInvariant();
                uid = true;
            }
            catch (ImapParseException)
            {
                await Reply.TaggedAsync(tag, "BAD", "UID needs a command.", cancellationToken).ConfigureAwait(false);
                return null;
            }

            if (name is not ("FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE" or "SORT" or "THREAD"))
            {
                await Reply.TaggedAsync(tag, "BAD", "Unknown UID command.", cancellationToken).ConfigureAwait(false);
                return null;
            }

            handler = ImapCommandTable.Find(name)!;
        }

        Services.Telemetry.Commands.Add(1);
        using var activity = ImapTelemetry.ActivitySource.StartActivity("imap." + name.ToLowerInvariant());
        var request = new ImapRequest(tag, name, uid, parser);
        try
        {
            var result = await handler(this, request, cancellationToken).ConfigureAwait(false);
            var selectedGone = false;
            if (result.Refresh && Selected is not null && State == ImapState.Selected)
            {
                try
                {
                    await Selected.RefreshAsync(Reply, result.AllowExpunge, cancellationToken).ConfigureAwait(false);
                }
                catch (MailStoreException exception) when (exception.Error == MailStoreError.NonExistent)
                {
                    // Another session deleted or renamed the selected mailbox. RFC 3501 has no way to say
                    // so but BYE (§7.1.5); Dovecot does the same. The command itself did succeed, so its
                    // tagged OK follows, as after LOGOUT's BYE; the client reconnects and sees the new names.
                    Reply.Untagged("BYE Selected mailbox was deleted or renamed by another session; reconnect.");
                    selectedGone = true;
                }
            }

            if (!result.Answered)
            {
                await Reply.TaggedAsync(tag, "OK", result.Text, cancellationToken).ConfigureAwait(false);
            }

            return selectedGone ? "selected mailbox gone" : result.Close ? "logout" : null;
        }
        catch (ImapParseException exception)
        {
            await Reply.TaggedAsync(tag, "BAD", exception.Message + ".", cancellationToken).ConfigureAwait(false);
            return await CountBadAsync(cancellationToken).ConfigureAwait(false) ? "too many bad commands" : null;
        }
        catch (MailStoreException exception)
        {
            await Reply.TaggedAsync(tag, "NO", $"[{CodeOf(exception.Error)}] {exception.Message}", cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ImapNoException exception)
        {
            await Reply.TaggedAsync(tag, "NO", exception.Code is null ? exception.Message : $"[{exception.Code}] {exception.Message}", cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception exception) when (exception is (IOException or UnauthorizedAccessException or TimeoutException) and not (ClientGoneException or ClientNotReadingException) && !cancellationToken.IsCancellationRequested)
        {
            ImapLog.StoreFailed(Services.Logger, exception, name);
            await Reply.TaggedAsync(tag, "NO", "[SERVERBUG] The mailbox store failed; try again.", cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>RFC 5530 response codes for the store's refusals.</summary>
    private static string CodeOf(MailStoreError error) => error switch
    {
        MailStoreError.NonExistent => "NONEXISTENT",
        MailStoreError.AlreadyExists => "ALREADYEXISTS",
        MailStoreError.OverQuota => "OVERQUOTA",
        MailStoreError.TooManyKeywords => "LIMIT",
        MailStoreError.InUse => "INUSE",
        _ => "CANNOT",
    };

    private static ValueTask<string?> FlushNullAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

    /// <summary>Counts a bad command; true (after writing BYE) when the session must close.</summary>
    private async ValueTask<bool> CountBadAsync(CancellationToken cancellationToken)
    {
        if (++_badCommands < Options.MaxBadCommands)
        {
            await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        Reply.Untagged("BYE Too many bad commands.");
        await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Checks credentials (delayed and throttled per IP and per user on failure), enforces the per-user
    /// connection limit and opens the user's folders, creating the special-use ones at first login.
    /// </summary>
    public async ValueTask<ImapResult> LoginAsync(string userName, string password, CancellationToken cancellationToken)
    {
        if (Services.Throttle.IsBlocked(RemoteAddress, userName))
        {
            throw new ImapNoException("Too many failed logins; try again later.", "UNAVAILABLE");
        }

        var user = userName.Length == 0 || password.Length == 0
            ? null
            : await Services.Authenticator.AuthenticateAsync(userName, password, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            Services.Telemetry.AuthFailures.Add(1);
            var (delay, count) = Services.Throttle.RecordFailure(RemoteAddress, userName);
            ImapLog.LoginFailed(Services.Logger, RemoteAddress, count);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            if (++_authFailures >= Options.MaxAuthFailuresPerSession)
            {
                Reply.Untagged("BYE Too many failed logins.");
                await Reply.FlushAsync(cancellationToken).ConfigureAwait(false);
                throw new ClientGoneException();
            }

            throw new ImapNoException("Authentication failed.", "AUTHENTICATIONFAILED");
        }

        var slot = "user:" + user;
        if (!Services.Limiter.TryAcquire(slot, Options.MaxConnectionsPerUser))
        {
            throw new ImapNoException("Too many connections for this user.", "LIMIT");
        }

        UserMailbox mailbox;
        try
        {
            mailbox = Services.Store.OpenUser(user);
            if (Options.CreateSpecialUseFolders)
            {
                await mailbox.EnsureDefaultFoldersAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArgumentException)
        {
            Services.Limiter.Release(slot);
            throw new ImapNoException("This account has no mailbox.", "UNAVAILABLE");
        }
        catch
        {
            Services.Limiter.Release(slot);
            throw;
        }

        _userSlot = slot;
        User = user;
        Mailbox = mailbox;
        State = ImapState.Authenticated;
        ImapLog.LoggedIn(Services.Logger, user, RemoteAddress);
        return new ImapResult($"[CAPABILITY {Capabilities}] Logged in.");
    }

    /// <summary>
    /// STARTTLS (RFC 3501 §6.2.1): tagged OK, the handshake, then the session goes on over TLS.
    /// Bytes pipelined after STARTTLS were sent in the clear and are refused (RFC 7817 §3.1 / CVE-2011-0411 class).
    /// </summary>
    public async ValueTask<ImapResult> StartTlsAsync(string tag, CancellationToken cancellationToken)
    {
        if (!CanStartTls)
        {
            throw new ImapNoException(IsTls ? "TLS is already active." : "TLS is not available.");
        }

        if (Input.HasBufferedInput())
        {
            await Reply.TaggedAsync(tag, "BAD", "Commands pipelined after STARTTLS.", cancellationToken).ConfigureAwait(false);
            throw new ClientGoneException();
        }

        await Reply.TaggedAsync(tag, "OK", "Begin TLS negotiation now.", cancellationToken).ConfigureAwait(false);
        var tls = await StartTlsHandshake.TryAsync(_connection, Services.Certificate!.Certificate, exception => ImapLog.TlsFailed(Services.Logger, exception, _connection.ConnectionId), cancellationToken).ConfigureAwait(false);
        if (tls is null)
        {
            throw new ClientGoneException();
        }

        _tls = tls;
        Input = new ImapCommandReader(PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true)));
        Reply.Writer = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        IsTls = true;
        return new ImapResult(string.Empty) { Refresh = false, Answered = true };
    }

    /// <summary>
    /// COMPRESS DEFLATE (RFC 4978 §3): the tagged OK goes out uncompressed, then both directions are
    /// deflated, over TLS when TLS is active (compression sits inside TLS, §6). Like STARTTLS, input
    /// pipelined after the command was sent before the client saw the OK and is refused.
    /// </summary>
    public async ValueTask<ImapResult> StartCompressionAsync(string tag, CancellationToken cancellationToken)
    {
        if (Input.HasBufferedInput())
        {
            await Reply.TaggedAsync(tag, "BAD", "Commands pipelined after COMPRESS.", cancellationToken).ConfigureAwait(false);
            throw new ClientGoneException();
        }

        await Reply.TaggedAsync(tag, "OK", "DEFLATE active.", cancellationToken).ConfigureAwait(false);
        _compression = new DeflateLayer(Input.Reader, Reply.Writer);
        Input = new ImapCommandReader(_compression.Reader);
        Reply.Writer = _compression.Writer;
        return new ImapResult(string.Empty) { Refresh = false, Answered = true };
    }

    /// <summary>Reads one continuation line (SASL response, IDLE's DONE); null when the client closed.</summary>
    public async ValueTask<string?> ReadContinuationAsync(CancellationToken cancellationToken)
    {
        var (status, line) = await Input.ReadBareLineAsync(Options.MaxLineLength, cancellationToken).ConfigureAwait(false);
        return status == ImapFrameStatus.Command ? Encoding.UTF8.GetString(line) : null;
    }
}

/// <summary>The session must end now (its goodbye, if any, is already written).</summary>
internal sealed class ClientGoneException : IOException;

/// <summary>The client did not read its responses within <c>Imap:OutputTimeout</c>: the connection is aborted.</summary>
internal sealed class ClientNotReadingException() : IOException("The client did not read its responses within the output timeout.");
