using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using Facteur.SmtpGateway.Commands;
using Facteur.SmtpGateway.Framing;
using Facteur.SmtpGateway.Parsing;
using Microsoft.AspNetCore.Connections;

namespace Facteur.SmtpGateway.Session;

/// <summary>
/// One SMTP connection: reads command lines, checks them against the state table, hands them to
/// their command handler. Holds the session state (greeting, TLS, AUTH, the open transaction).
/// </summary>
internal sealed class SmtpSession : IAsyncDisposable
{
    private readonly ConnectionContext connection;
    private readonly LineFramer framer = new();
    private readonly byte[] lineBuffer;
    private readonly CancellationTokenSource sessionTimeout;
    private SslStream? tls;
    private int badCommands;

    public SmtpSession(ConnectionContext connection, SmtpListenerKind listener, IPAddress client, bool peerTrusted, bool implicitTls, SmtpSessionDependencies dependencies)
    {
        this.connection = connection;
        Listener = listener;
        Peer = client;
        Client = client;
        PeerTrusted = peerTrusted;
        IsTls = implicitTls;
        Dependencies = dependencies;
        Input = connection.Transport.Input;
        Output = connection.Transport.Output;
        Replies = new SmtpReplyWriter(Output);
        var options = dependencies.Options;
        lineBuffer = new byte[Math.Max(options.MaxCommandLineLength, options.MaxLineLength)];
        sessionTimeout = new CancellationTokenSource(options.SessionTimeout, dependencies.Time);
    }

    public SmtpSessionDependencies Dependencies { get; }

    public SmtpOptions Options => Dependencies.Options;

    public SmtpListenerKind Listener { get; }

    /// <summary>The connection's other end: the PROXY header's source when there was one.</summary>
    public IPAddress Peer { get; }

    /// <summary>The real client: <see cref="Peer"/>, or the address a trusted peer named with XCLIENT.</summary>
    public IPAddress Client { get; private set; }

    /// <summary>The peer is in <c>Smtp:TrustedNetworks</c> / <c>Smtp:TrustedHosts</c>: it may use XCLIENT.</summary>
    public bool PeerTrusted { get; }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    public SmtpReplyWriter Replies { get; }

    public SmtpState State { get; set; } = SmtpState.Connected;

    public SmtpTransaction? Transaction { get; set; }

    public string? HeloName { get; set; }

    public bool IsEsmtp { get; set; }

    public bool IsTls { get; private set; }

    public string? AuthenticatedUser { get; set; }

    /// <summary>The 220 that opens a session, and that XCLIENT answers with as it starts one over.</summary>
    public SmtpReply Greeting => new(220, null, $"{Dependencies.Facteur.Hostname} ESMTP Facteur");

    /// <summary>AUTH is offered: never on the MX port; elsewhere after TLS, or before it when allowed.</summary>
    public bool AuthAvailable => Listener != SmtpListenerKind.Mx && (IsTls || Dependencies.Facteur.AllowPlaintextAuth);

    /// <summary>Remote recipients may be accepted: only for an authenticated submission session.</summary>
    public bool MayRelay => Listener != SmtpListenerKind.Mx && AuthenticatedUser is not null;

    public async Task RunAsync(CancellationToken connectionClosed)
    {
        var stopping = Dependencies.Stopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed, sessionTimeout.Token, stopping);
        var cancellationToken = linked.Token;
        try
        {
            Replies.Write(Greeting);
            while (true)
            {
                var (status, line) = await ReadLineAsync(Options.MaxCommandLineLength, Options.CommandTimeout, cancellationToken);
                if (status == LineStatus.EndOfInput)
                {
                    return;
                }

                var outcome = status == LineStatus.TooLong
                    ? Reject(SmtpReplies.LineTooLong)
                    : await DispatchAsync(line, cancellationToken);
                if (outcome == CommandOutcome.Close)
                {
                    await Replies.FlushAsync(cancellationToken);
                    return;
                }
            }
        }
        catch (SmtpProtocolViolationException violation)
        {
            SmtpLog.ProtocolViolation(Dependencies.Logger, Client, violation.Message);
            await TryReplyAsync(violation.Reply);
        }
        catch (SmtpTimeoutException)
        {
            SmtpLog.Timeout(Dependencies.Logger, Client);
            await TryReplyAsync(SmtpReplies.CommandTimeout);
        }
        catch (OperationCanceledException) when (sessionTimeout.IsCancellationRequested && !connectionClosed.IsCancellationRequested)
        {
            SmtpLog.Timeout(Dependencies.Logger, Client);
            await TryReplyAsync(SmtpReplies.CommandTimeout);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !connectionClosed.IsCancellationRequested)
        {
            // Nothing was acknowledged for an open transaction; the client will retry elsewhere or later.
            await TryReplyAsync(SmtpReplies.ShuttingDown);
        }
        catch (OperationCanceledException) when (connectionClosed.IsCancellationRequested)
        {
            SmtpLog.ConnectionLost(Dependencies.Logger, Client, "closed");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or OperationCanceledException)
        {
            SmtpLog.ConnectionLost(Dependencies.Logger, Client, e.Message);
        }
        finally
        {
            await EndTransactionAsync();
        }
    }

    private async ValueTask<CommandOutcome> DispatchAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        // NUL or a lone CR inside a command line is never legitimate (RFC 5321 §2.3.8, §4.1.1).
        if (line.Span.IndexOfAny((byte)0, (byte)'\r') >= 0)
        {
            return Reject(SmtpReplies.BadCharacters);
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(line));
        var verb = CommandLineParser.Parse(ref reader, out var hasArguments);
        if (verb == SmtpVerb.Unknown)
        {
            return Reject(SmtpReplies.UnknownCommand);
        }

        if (SmtpStateTable.Check(State, verb) is { } refusal)
        {
            if (verb == SmtpVerb.Bdat)
            {
                // The chunk's octets follow regardless: they must be read off, never parsed as commands.
                return await BdatCommand.RefuseAsync(this, reader.UnreadSequence, refusal, cancellationToken);
            }

            return Reject(refusal);
        }

        return await SmtpCommands.For(verb).HandleAsync(this, reader.UnreadSequence, hasArguments, cancellationToken);
    }

    /// <summary>A rejected command: reply and count it; too many and the session ends with 421.</summary>
    public CommandOutcome Reject(SmtpReply reply)
    {
        if (++badCommands >= Options.MaxBadCommands)
        {
            Replies.Write(SmtpReplies.TooManyErrors);
            SmtpLog.ProtocolViolation(Dependencies.Logger, Client, "too many bad commands");
            return CommandOutcome.Close;
        }

        Replies.Write(reply);
        return CommandOutcome.Continue;
    }

    public CommandOutcome Reply(SmtpReply reply)
    {
        Replies.Write(reply);
        return CommandOutcome.Continue;
    }

    /// <summary>Reads one line; replies are flushed first if the read would wait.</summary>
    public async ValueTask<(LineStatus Status, ReadOnlyMemory<byte> Line)> ReadLineAsync(int maxLength, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await ReadAsync(timeout, cancellationToken);
            var buffer = result.Buffer;
            var status = framer.TryReadLine(buffer, maxLength, out var line, out var consumed);
            switch (status)
            {
                case LineStatus.Line:
                    line.CopyTo(lineBuffer);
                    var copy = lineBuffer.AsMemory(0, (int)line.Length);
                    Input.AdvanceTo(consumed);
                    return (status, copy);
                case LineStatus.TooLong:
                    Input.AdvanceTo(consumed);
                    return (status, default);
                default:
                    Input.AdvanceTo(consumed, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return (LineStatus.EndOfInput, default);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Next input: what is already buffered, else (after sending pending replies, so pipelined
    /// replies go out together) a read bounded by <paramref name="timeout"/> (RFC 5321 §4.5.3.2).
    /// </summary>
    public async ValueTask<ReadResult> ReadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Input.TryRead(out var buffered))
        {
            return buffered;
        }

        await Replies.FlushAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await Input.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SmtpTimeoutException();
        }
    }

    /// <summary>
    /// RFC 3207 STARTTLS after its 220: wraps the connection in TLS. Anything the client pipelined
    /// after STARTTLS in the clear is refused before we answer (the CVE-2011-0411 command injection:
    /// such bytes must never count as commands of the protected session).
    /// </summary>
    public async ValueTask<CommandOutcome> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (Input.TryRead(out var pending))
        {
            var hasPending = !pending.Buffer.IsEmpty;
            Input.AdvanceTo(pending.Buffer.Start);
            if (hasPending)
            {
                throw new SmtpProtocolViolationException(new SmtpReply(421, "4.5.0", "Error: commands pipelined after STARTTLS"), "pipelining after STARTTLS");
            }
        }

        var certificate = Dependencies.Certificate.Certificate;
        Replies.Write(new SmtpReply(220, "2.0.0", "Ready to start TLS"));
        await Replies.FlushAsync(cancellationToken);

        var stream = new SslStream(new DuplexPipeStream(Input, Output), leaveInnerStreamOpen: false);
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            handshake.CancelAfter(Options.CommandTimeout);
            try
            {
                await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, handshake.Token);
            }
            catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
            {
                SmtpLog.TlsFailed(Dependencies.Logger, e, Client);
                await stream.DisposeAsync();
                return CommandOutcome.Close;
            }
        }

        tls = stream;
        Input = PipeReader.Create(stream);
        Output = PipeWriter.Create(stream);
        Replies.Replace(Output);
        framer.Reset();
        IsTls = true;

        // RFC 3207 §4.2: forget everything learned before TLS; the client must EHLO again.
        State = SmtpState.Connected;
        HeloName = null;
        IsEsmtp = false;
        AuthenticatedUser = null;
        return CommandOutcome.Continue;
    }

    /// <summary>
    /// XCLIENT: the session starts again as a session of <paramref name="client"/> (Postfix's XCLIENT_README: the
    /// server answers with its greeting and the client greets again). TLS, when on, stays on.
    /// </summary>
    public void RestartFor(IPAddress client)
    {
        Client = client;
        State = SmtpState.Connected;
        HeloName = null;
        IsEsmtp = false;
        AuthenticatedUser = null;
    }

    /// <summary>Ends the transaction (RSET, EHLO, end of data, disconnect); an uncommitted spool entry is discarded.</summary>
    public async ValueTask EndTransactionAsync()
    {
        var transaction = Transaction;
        Transaction = null;
        if (State is SmtpState.MailGiven or SmtpState.RecipientGiven or SmtpState.Chunking)
        {
            State = SmtpState.Ready;
        }

        if (transaction is null)
        {
            return;
        }

        if (transaction.Spooled is { } spooled)
        {
            transaction.Spooled = null;
            await spooled.DisposeAsync();
        }

        transaction.Activity?.Dispose();
    }

    private async ValueTask TryReplyAsync(SmtpReply reply)
    {
        try
        {
            Replies.Write(reply);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Replies.FlushAsync(cts.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or ConnectionResetException or InvalidOperationException)
        {
            // The client is gone; nothing more to say.
        }
    }

    public async ValueTask DisposeAsync()
    {
        sessionTimeout.Dispose();
        if (tls is not null)
        {
            try
            {
                await Input.CompleteAsync();
                await Output.CompleteAsync();
                await tls.DisposeAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or ConnectionResetException)
            {
                // The client left without closing TLS properly; nothing to clean up beyond this.
            }
        }
    }
}
