using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facteur.SmtpGateway;

/// <summary>
/// The trace line of RFC 5321 §4.4 that the gateway puts first in every message:
/// <code>
/// Received: from helo.name ([192.0.2.1])
///         by mx.example (Facteur) with ESMTPSA id 01JD…
///         for &lt;alice@example&gt;; Sun, 29 Nov 2026 03:00:00 +0000
/// </code>
/// "from" holds the client's own greeting and its address literal (no reverse DNS: it is slow and
/// proves nothing). The "with" keyword follows RFC 3848 (ESMTP + S for TLS + A for AUTH) and RFC
/// 6531 §3.7.3 (UTF8SMTP… when SMTPUTF8 was used). "for" appears only with a single recipient, so
/// Bcc recipients of a multi-recipient message are not disclosed to each other.
/// </summary>
internal static class ReceivedHeader
{
    public static string Format(
        string? heloName,
        IPAddress client,
        string hostname,
        string protocol,
        string queueId,
        IReadOnlyList<string> recipients,
        DateTimeOffset date)
    {
        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(heloName ?? "unknown").Append(" (").Append(AddressLiteral(client)).Append(")\r\n");
        sb.Append("\tby ").Append(hostname).Append(" (Facteur) with ").Append(protocol).Append(" id ").Append(queueId);
        if (recipients.Count == 1)
        {
            sb.Append("\r\n\tfor <").Append(recipients[0]).Append('>');
        }

        sb.Append("; ").Append(FormatDate(date)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>RFC 3848 / RFC 6531 protocol keyword.</summary>
    public static string Protocol(bool esmtp, bool tls, bool authenticated, bool smtpUtf8)
    {
        if (!esmtp)
        {
            return "SMTP";
        }

        var name = smtpUtf8 ? "UTF8SMTP" : "ESMTP";
        return name + (tls ? "S" : "") + (authenticated ? "A" : "");
    }

    /// <summary>RFC 5322 §3.3 date-time, always in UTC: "Sun, 29 Nov 2026 03:00:00 +0000".</summary>
    public static string FormatDate(DateTimeOffset date)
        => date.ToUniversalTime().ToString("ddd, d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";

    public static string AddressLiteral(IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{address}]" : $"[{address}]";
}
