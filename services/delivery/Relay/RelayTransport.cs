using System.Net;
using System.Net.Sockets;
using Facteur.Hosting;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Facteur.Delivery.Relay;

/// <summary>
/// One delivery attempt of one relay command: picks the next hops (transport map, else MX),
/// tries them in order until one answers the SMTP greeting, then runs a single transaction with
/// every recipient and reports an outcome per recipient. Connections come from
/// <see cref="RelayConnectionPool"/>, so consecutive transactions to one server share one.
/// <para>RFC 5321 §5.1: a host that cannot be reached or greets with 421 is skipped for the next
/// one; once a transaction started its replies are final for this attempt.</para>
/// </summary>
internal sealed partial class RelayTransport(
    DestinationResolver resolver,
    TransportMap transportMap,
    RelayCredentials credentials,
    MtaStsPolicies mtaSts,
    RelayConnectionPool pool,
    RelayTlsTrust trust,
    IOptions<RelayOptions> relayOptions,
    IOptions<FacteurOptions> facteurOptions,
    ILogger<RelayTransport> logger)
{
    public async Task<IReadOnlyList<RecipientOutcome>> SendAsync(string domain, string reversePath, IReadOnlyList<string> recipients, MimeMessage message,
        string? envelopeId, string? dsnReturn, IReadOnlyDictionary<string, string>? notify, CancellationToken cancellationToken)
    {
        var hop = transportMap.Find(domain);
        var destination = hop switch
        {
            null => await resolver.ResolveAsync(domain, cancellationToken).ConfigureAwait(false),
            { NoMxLookup: true } => await HostAsync(hop.Host, hop.Port ?? relayOptions.Value.Port, cancellationToken).ConfigureAwait(false),
            _ => await resolver.ResolveAsync(hop.Host, cancellationToken).ConfigureAwait(false) is var d && hop.Port is { } port
                ? d with { Hosts = [.. d.Hosts.Select(h => h with { Port = port })] }
                : d,
        };

        // A transport-map next hop that does not resolve is our own misconfiguration, not the
        // recipient's fault: the mail waits (as Postfix defers) instead of bouncing.
        if (destination.PermanentError is { } permanent && hop is null)
        {
            return [.. recipients.Select(r => new RecipientOutcome(r, RecipientStatus.PermanentFailure, "5.1.2", "x-facteur; " + permanent, null))];
        }

        if ((destination.TemporaryError ?? destination.PermanentError) is { } temporary)
        {
            return [.. recipients.Select(r => new RecipientOutcome(r, RecipientStatus.TemporaryFailure, "4.4.3", "x-facteur; " + temporary, null))];
        }

        // MTA-STS (RFC 8461): in enforce mode only MX hosts matching the policy, over verified TLS;
        // in testing mode the same checks are made and their failures only logged (§5).
        var policy = hop is null && relayOptions.Value.MtaSts
            ? await mtaSts.GetAsync(domain, cancellationToken).ConfigureAwait(false)
            : null;
        var hosts = destination.Hosts;
        if (policy is { Enforce: true })
        {
            hosts = [.. hosts.Where(h => policy.Matches(h.Name))];
            if (hosts.Count == 0)
            {
                return [.. recipients.Select(r => new RecipientOutcome(r, RecipientStatus.TemporaryFailure, "4.7.5", $"x-facteur; no MX host of {domain} matches its MTA-STS policy", null))];
            }
        }
        else if (policy is { Testing: true })
        {
            foreach (var host in hosts.Where(h => !policy.Matches(h.Name)))
            {
                LogMtaStsTestingMismatch(logger, domain, host.Name);
            }
        }

        var tls = policy switch
        {
            { Enforce: true } => RelayTlsPolicy.Verified,
            { Testing: true } => RelayTlsPolicy.Reported,
            _ when hop?.RequireTls == true => RelayTlsPolicy.Required,
            _ => RelayTlsPolicy.Opportunistic,
        };
        var lastError = "no host tried";
        foreach (var host in hosts)
        {
            foreach (var address in host.Addresses)
            {
                var endpoint = new RelayEndpoint(host.Name, address, host.Port, tls);
                var result = await TryHostAsync(endpoint, reversePath, recipients, message, envelopeId, dsnReturn, notify, cancellationToken).ConfigureAwait(false);
                if (result.Outcomes is { } outcomes)
                {
                    return outcomes;
                }

                lastError = result.Error!;
                LogHostFailed(logger, host.Name, address, host.Port, lastError);
            }
        }

        return [.. recipients.Select(r => new RecipientOutcome(r, RecipientStatus.TemporaryFailure, "4.4.1", "x-facteur; " + lastError, null))];
    }

    private async Task<Destination> HostAsync(string host, int port, CancellationToken cancellationToken)
    {
        var (addresses, error) = await resolver.AddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.Count > 0
            ? new Destination([new RelayHost(host, addresses, port)], null, null)
            : Destination.Temporary(error ?? $"No address for {host}");
    }

    /// <summary>A new session to <paramref name="endpoint"/>: TCP, greeting, EHLO, STARTTLS as the TLS policy says, AUTH when credentials are configured.</summary>
    private async Task<RelaySmtpClient> ConnectAsync(RelayEndpoint endpoint, CancellationToken cancellationToken)
    {
        var timeout = relayOptions.Value.CommandTimeout;
        var client = new RelaySmtpClient
        {
            LocalDomain = facteurOptions.Value.Hostname,
            Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds),
            CheckCertificateRevocation = false,
        };

        // Opportunistic TLS (RFC 7435): any certificate beats plaintext. Only MTA-STS enforce
        // asks for a valid certificate for the MX name (RFC 8461 §4.2); testing mode reports.
        client.ServerCertificateValidationCallback = endpoint.Tls switch
        {
            RelayTlsPolicy.Verified => (_, certificate, chain, errors) => trust.IsValid(certificate, chain, errors),
            RelayTlsPolicy.Reported => (_, certificate, chain, errors) =>
            {
                if (!trust.IsValid(certificate, chain, errors))
                {
                    LogMtaStsTestingCertificate(logger, endpoint.HostName, errors);
                }

                return true;
            },
            _ => (_, _, _, _) => true,
        };

        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(timeout);
                await socket.ConnectAsync(new IPEndPoint(endpoint.Address, endpoint.Port), connectTimeout.Token).ConfigureAwait(false);
            }

            var secure = endpoint.Tls is RelayTlsPolicy.Required or RelayTlsPolicy.Verified ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(socket, endpoint.HostName, endpoint.Port, secure, cancellationToken).ConfigureAwait(false);

            // Credentials only ever travel inside TLS.
            if (credentials.Find(endpoint.HostName, endpoint.Port) is { } credential && client.IsSecure)
            {
                await client.AuthenticateAsync(credential, cancellationToken).ConfigureAwait(false);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }
    }

    private async Task<(IReadOnlyList<RecipientOutcome>? Outcomes, string? Error)> TryHostAsync(RelayEndpoint endpoint,
        string reversePath, IReadOnlyList<string> recipients, MimeMessage message, string? envelopeId, string? dsnReturn,
        IReadOnlyDictionary<string, string>? notify, CancellationToken cancellationToken)
    {
        RelayConnectionLease lease;
        try
        {
            lease = await pool.AcquireAsync(endpoint, ct => ConnectAsync(endpoint, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpCommandException or SmtpProtocolException or SslHandshakeException or NotSupportedException
            or AuthenticationException or ServiceNotAuthenticatedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"{endpoint.HostName}[{endpoint.Address}]:{endpoint.Port}: {e.Message}");
        }

        var remote = endpoint.HostName;
        var reusable = false;
        var client = lease.Client;
        try
        {
            client.SetDsn(envelopeId, dsnReturn, notify);
            var sender = reversePath.Length == 0 ? new MailboxAddress(string.Empty, string.Empty) : MailboxAddress.Parse(ParserOptions.Default, reversePath);
            var mailboxes = recipients.Select(r => new MailboxAddress(string.Empty, r)).ToList();
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            var reply = await client.SendAsync(options, message, sender, mailboxes, cancellationToken).ConfigureAwait(false);
            var refused = client.Refused.ToDictionary(r => r.Recipient, r => r.Response, StringComparer.OrdinalIgnoreCase);
            reusable = true;
            return ([.. recipients.Select(r => refused.TryGetValue(r, out var no)
                ? RecipientOutcome.From(r, (int)no.StatusCode, no.Response, remote)
                : RecipientOutcome.From(r, 250, reply, remote))], null);
        }
        catch (NoRecipientsAcceptedException)
        {
            var refused = client.Refused.ToDictionary(r => r.Recipient, r => r.Response, StringComparer.OrdinalIgnoreCase);
            reusable = true; // the next transaction starts with RSET
            return ([.. recipients.Select(r => refused.TryGetValue(r, out var no)
                ? RecipientOutcome.From(r, (int)no.StatusCode, no.Response, remote)
                : new RecipientOutcome(r, RecipientStatus.TemporaryFailure, "4.0.0", "x-facteur; no reply for this recipient", remote))], null);
        }
        catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted or SmtpErrorCode.UnexpectedStatusCode)
        {
            // MAIL FROM or the end of data refused: every recipient still standing shares the reply.
            // A 421 closes the session (RFC 5321 §3.8); any other refusal leaves it usable.
            var refused = client.Refused.ToDictionary(r => r.Recipient, r => r.Response, StringComparer.OrdinalIgnoreCase);
            reusable = e.StatusCode != SmtpStatusCode.ServiceNotAvailable;
            return ([.. recipients.Select(r => refused.TryGetValue(r, out var no)
                ? RecipientOutcome.From(r, (int)no.StatusCode, no.Response, remote)
                : RecipientOutcome.From(r, (int)e.StatusCode, e.Message, remote))], null);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SocketException or AuthenticationException or ServiceNotAuthenticatedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The connection broke mid-transaction: nothing is known to be delivered (RFC 5321 §4.1.1.4:
            // only the final 250 counts). Only this transaction's recipients are affected.
            return ([.. recipients.Select(r => new RecipientOutcome(r, RecipientStatus.TemporaryFailure, "4.4.2", $"x-facteur; {remote}: {e.Message}", remote))], null);
        }
        finally
        {
            await lease.ReleaseAsync(reusable).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay host {Host} [{Address}]:{Port} not usable: {Error}")]
    private static partial void LogHostFailed(ILogger logger, string host, IPAddress address, int port, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MTA-STS testing policy of {Domain}: MX {Host} does not match the policy; delivering anyway (RFC 8461 §5)")]
    private static partial void LogMtaStsTestingMismatch(ILogger logger, string domain, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MTA-STS testing policy: the certificate of {Host} is not valid ({Errors}); delivering anyway (RFC 8461 §5)")]
    private static partial void LogMtaStsTestingCertificate(ILogger logger, string host, System.Net.Security.SslPolicyErrors errors);
}
