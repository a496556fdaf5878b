using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Facteur.SmtpGateway.Inbound;

/// <summary>What inbound authentication decided for one message.</summary>
internal sealed record InboundVerdict(string AuthenticationResults, bool Reject, DmarcVerdict Dmarc);

/// <summary>
/// SPF, DKIM and DMARC for mail arriving on port 25, evaluated once the message is complete in its
/// spool file, recorded in an <c>Authentication-Results</c> header (RFC 8601) that the intake puts
/// on top of the message when it publishes it (no copy of the spool file), and — with <c>Smtp:DmarcRejectPolicy</c> — a refusal for DMARC failures
/// whose domain asks for <c>p=reject</c>.
/// </summary>
internal sealed partial class InboundAuthenticator(
    SpfEvaluator spf,
    DkimChecker dkim,
    DmarcEvaluator dmarc,
    IOptions<InboundAuthenticationOptions> options,
    ILogger<InboundAuthenticator> logger)
{
    public bool Enabled => options.Value.AuthenticationChecks;

    public Task<InboundVerdict> EvaluateAsync(string authservId, IPAddress client, string? helo, string reversePath, string spoolPath, CancellationToken cancellationToken) =>
        EvaluateAsync(authservId, client, helo, reversePath, spoolPath, ArraySegment<byte>.Empty, cancellationToken);

    /// <summary>The same evaluation of a message held in memory (<paramref name="message"/>, all its octets) instead of a spool file.</summary>
    public Task<InboundVerdict> EvaluateAsync(string authservId, IPAddress client, string? helo, string reversePath, ArraySegment<byte> message, CancellationToken cancellationToken) =>
        EvaluateAsync(authservId, client, helo, reversePath, null, message, cancellationToken);

    private async Task<InboundVerdict> EvaluateAsync(string authservId, IPAddress client, string? helo, string reversePath, string? spoolPath, ArraySegment<byte> inMemory, CancellationToken cancellationToken)
    {
        // SPF (RFC 7208 §2.4): MAIL FROM's domain, or HELO's for the null sender (postmaster@helo).
        helo ??= string.Empty;
        var sender = reversePath.Length > 0 ? reversePath : "postmaster@" + helo;
        var spfDomain = sender[(sender.LastIndexOf('@') + 1)..];
        var spfResult = await spf.CheckHostAsync(client, spfDomain, sender, helo, cancellationToken).ConfigureAwait(false);

        var (dkimResults, fromDomain) = await DkimAndFromAsync(spoolPath, inMemory, cancellationToken).ConfigureAwait(false);
        var dmarcResult = await dmarc.EvaluateAsync(fromDomain, spfResult, spfDomain, dkimResults, cancellationToken).ConfigureAwait(false);
        var header = Format(authservId, spfResult, sender, reversePath.Length == 0, helo, dkimResults, dmarcResult);
        var reject = options.Value.DmarcRejectPolicy && dmarcResult is { Result: "fail", Policy: "reject" };
        LogVerdict(logger, client, spfResult, dkimResults.Count > 0 ? string.Join(',', dkimResults.Select(r => r.Result)) : "none", dmarcResult.Result, reject);
        return new InboundVerdict(header, reject, dmarcResult);
    }

    /// <summary>
    /// DKIM verdicts and the single From domain DMARC aligns with (RFC 7489 §3.1). Most mail has
    /// no DKIM-Signature: then MimeKit parses the header block alone (from memory), not the
    /// body, and From comes out of the same parser as before. Signed mail takes the full parse
    /// the body hash needs (RFC 6376 §3.7).
    /// </summary>
    private async Task<(IReadOnlyList<DkimVerdict> Dkim, string? FromDomain)> DkimAndFromAsync(string? spoolPath, ArraySegment<byte> inMemory, CancellationToken cancellationToken)
    {
        SpooledHeaderBlock? block;
        if (spoolPath is null)
        {
            block = SpooledHeaderBlock.Read(inMemory);
        }
        else
        {
            using var handle = File.OpenHandle(spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            block = SpooledHeaderBlock.Read(handle);
        }

        if (block is { MayHaveDkimSignature: false } headers)
        {
            using var memory = new MemoryStream(headers.Buffer, 0, headers.Length, writable: false);
            return ([], FromDomain(Load(memory, cancellationToken)));
        }

        await using Stream stream = spoolPath is null
            ? new MemoryStream(inMemory.Array ?? [], inMemory.Offset, inMemory.Count, writable: false)
            : new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous);
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(stream, persistent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            message = new MimeMessage();
        }

        var dkimResults = await dkim.VerifyAsync(message, cancellationToken).ConfigureAwait(false);
        return (dkimResults, FromDomain(message));
    }

    private static MimeMessage Load(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            return MimeMessage.Load(stream, cancellationToken);
        }
        catch (FormatException)
        {
            return new MimeMessage();
        }
    }

    private static string? FromDomain(MimeMessage message) =>
        message.From.Mailboxes.Count() == 1 && message.From.Mailboxes.First().Domain is { Length: > 0 } d ? d : null;

    /// <summary>The header field, folded, CRLF-terminated (RFC 8601 §2.2).</summary>
    internal static string Format(string authservId, SpfResult spf, string sender, bool nullSender, string helo, IReadOnlyList<DkimVerdict> dkim, DmarcVerdict dmarc)
    {
        var text = new StringBuilder("Authentication-Results: ").Append(authservId);
        text.Append(";\r\n\tspf=").Append(spf.ToString().ToLowerInvariant())
            .Append(nullSender ? " smtp.helo=" + helo : " smtp.mailfrom=" + sender);
        if (dkim.Count == 0)
        {
            text.Append(";\r\n\tdkim=none");
        }

        foreach (var verdict in dkim)
        {
            text.Append(";\r\n\tdkim=").Append(verdict.Result);
            if (verdict.Domain is not null)
            {
                text.Append(" header.d=").Append(verdict.Domain);
            }

            if (verdict.Selector is not null)
            {
                text.Append(" header.s=").Append(verdict.Selector);
            }
        }

        text.Append(";\r\n\tdmarc=").Append(dmarc.Result);
        if (dmarc.Policy is not null)
        {
            text.Append(" (p=").Append(dmarc.Policy).Append(')');
        }

        if (dmarc.FromDomain is not null)
        {
            text.Append(" header.from=").Append(dmarc.FromDomain);
        }

        return text.Append("\r\n").ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound from {Client}: spf={Spf} dkim={Dkim} dmarc={Dmarc} reject={Reject}")]
    private static partial void LogVerdict(ILogger logger, IPAddress client, SpfResult spf, string dkim, string dmarc, bool reject);
}
