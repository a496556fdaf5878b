using System.Net;
using Facteur.Hosting.Peers;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Facteur.Webmail.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Imap;

/// <summary>Opens authenticated IMAP and SMTP-submission connections with the user's own credentials.</summary>
internal sealed class MailConnector(IOptions<WebmailOptions> options, IHttpContextAccessor httpContext)
{
    public async Task<ImapClient> OpenImapAsync(MailAccount account, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = new ImapClient { Timeout = 30_000 };
        try
        {
            if (settings.AcceptAnyServerCertificate)
            {
                client.ServerCertificateValidationCallback = static (_, _, _, _) => true;
            }

            await client.ConnectAsync(settings.ImapHost, settings.ImapPort, settings.ImapSecurity, cancellationToken);
            await NameTheClientAsync(client, cancellationToken);
            await client.AuthenticateAsync(account.Address, account.Password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The browser's address (an IPv4 client of a dual-stack socket as IPv4); null outside a request.</summary>
    private IPAddress? Browser => httpContext.HttpContext?.Connection.RemoteIpAddress is { } address ? PeerTrust.Normalize(address) : null;

    /// <summary>
    /// Tells the IMAP server who the browser is (RFC 2971 ID, Dovecot's <c>x-originating-ip</c>), so its
    /// failed-login throttle counts each user's address and not the webmail's, which carries everyone.
    /// A server that does not trust this peer (Facteur's <c>Imap:TrustedNetworks</c>) ignores it.
    /// </summary>
    private async Task NameTheClientAsync(ImapClient client, CancellationToken cancellationToken)
    {
        if (Browser is { } address && client.Capabilities.HasFlag(ImapCapabilities.Id))
        {
            var identity = new ImapImplementation { Name = "Facteur webmail" };
            identity.Properties["x-originating-ip"] = address.ToString();
            await client.IdentifyAsync(identity, cancellationToken);
        }
    }

    public async Task<SmtpClient> OpenSubmissionAsync(MailAccount account, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = new SubmissionClient { Timeout = 60_000 };
        try
        {
            if (settings.AcceptAnyServerCertificate)
            {
                client.ServerCertificateValidationCallback = static (_, _, _, _) => true;
            }

            await client.ConnectAsync(settings.SmtpHost, settings.SmtpPort, settings.SmtpSecurity, cancellationToken);
            if (Browser is { } browser)
            {
                await client.NameTheClientAsync(browser, cancellationToken);
            }

            await client.AuthenticateAsync(account.Address, account.Password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>True when the server accepted the credentials; false when it refused them.</summary>
    public async Task<bool> CheckCredentialsAsync(MailAccount account, CancellationToken cancellationToken)
    {
        try
        {
            using var client = await OpenImapAsync(account, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            return true;
        }
        catch (AuthenticationException)
        {
            return false;
        }
    }
}
