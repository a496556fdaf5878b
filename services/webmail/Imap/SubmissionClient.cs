using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;

namespace Facteur.Webmail.Imap;

/// <summary>
/// The webmail's submission connection. It names the browser with XCLIENT (Postfix's extension, also spoken by
/// Facteur's gateway) before AUTH, so the server counts a failed AUTH, and writes its Received header, for that
/// address rather than the webmail's, which carries every user's sending.
/// </summary>
internal sealed class SubmissionClient : SmtpClient
{
    /// <summary>
    /// XCLIENT ADDR=…, then EHLO again after the server's new greeting. A server that does not know the command,
    /// or does not trust this webmail (550 5.7.0: not in <c>Smtp:TrustedNetworks</c> / <c>Smtp:TrustedHosts</c>),
    /// leaves the session as it was: the user still authenticates, under the webmail's own address.
    /// </summary>
    public async Task NameTheClientAsync(IPAddress browser, CancellationToken cancellationToken)
    {
        var value = browser.AddressFamily == AddressFamily.InterNetworkV6 ? "IPV6:" + browser : browser.ToString();
        var named = await SendCommandAsync("XCLIENT ADDR=" + value, cancellationToken);
        if (named.StatusCode != SmtpStatusCode.ServiceReady)
        {
            return;
        }

        var greeted = await SendCommandAsync("EHLO " + (LocalDomain ?? Dns.GetHostName()), cancellationToken);
        if (greeted.StatusCode != SmtpStatusCode.Ok)
        {
            throw new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, greeted.StatusCode, greeted.Response);
        }
    }
}
