using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Facteur.Hosting.Peers;
using Facteur.SmtpGateway.Inbound;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>
/// Postfix's XCLIENT extension (XCLIENT_README), from a trusted front end only (<c>Smtp:TrustedNetworks</c>,
/// <c>Smtp:TrustedHosts</c>): the webmail names the browser it submits for, so failed AUTH is counted, and the
/// Received header and the logs written, for that address instead of the webmail's, which carries everyone.
/// <code>
/// xclient-command = XCLIENT 1*( SP attribute-name "=" attribute-value )
/// attribute-name  = ADDR | NAME | PORT | PROTO | HELO      ; case-insensitive
/// attribute-value = xtext                                  ; RFC 3461 §4
/// </code>
/// ADDR is an IPv4 address, an IPv6 address prefixed with <c>IPV6:</c>, or <c>[UNAVAILABLE]</c> /
/// <c>[TEMPUNAVAIL]</c> (the peer's own address stays). NAME, PORT, PROTO and HELO are checked and not used:
/// Facteur does no reverse DNS, and the client greets again, so its EHLO is the name kept. LOGIN is not offered: a front end never vouches for a
/// user here, the user authenticates. On success the session starts over as the named client's: the 220
/// greeting again, EHLO expected, AUTH forgotten; TLS stays.
/// </summary>
internal sealed class XclientCommand : ISmtpCommand
{
    /// <summary>The EHLO keyword, with the attributes supported.</summary>
    public const string Keyword = "XCLIENT ADDR NAME PORT PROTO HELO";

    private const string Unavailable = "[UNAVAILABLE]";
    private const string TemporarilyUnavailable = "[TEMPUNAVAIL]";

    private static readonly SmtpReply NotAuthorized = new(550, "5.7.0", "Error: insufficient authorization");
    private static readonly SmtpReply Syntax = new(501, "5.5.4", "Syntax: XCLIENT attribute=value ...");

    public ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (!session.PeerTrusted)
        {
            SmtpLog.XclientRefused(session.Dependencies.Logger, session.Peer);
            return ValueTask.FromResult(session.Reject(NotAuthorized));
        }

        var text = Encoding.ASCII.GetString(arguments);
        var attributes = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!hasArguments || attributes.Length == 0)
        {
            return ValueTask.FromResult(session.Reject(Syntax));
        }

        var client = session.Client;
        foreach (var attribute in attributes)
        {
            var equals = attribute.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? attribute[..equals].ToUpperInvariant() : "";
            var value = equals > 0 ? DsnParameters.DecodeXtext(attribute[(equals + 1)..]) : null;
            if (name is not ("ADDR" or "NAME" or "PORT" or "PROTO" or "HELO"))
            {
                return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", $"Bad XCLIENT attribute name: {(equals > 0 ? attribute[..equals] : attribute)}")));
            }

            if (value is null || !TryApply(name, value, ref client))
            {
                return ValueTask.FromResult(session.Reject(new SmtpReply(501, "5.5.4", $"Bad XCLIENT {name} syntax")));
            }
        }

        SmtpLog.ClientNamed(session.Dependencies.Logger, session.Peer, client);
        session.RestartFor(client);
        return ValueTask.FromResult(session.Reply(session.Greeting));
    }

    private static bool TryApply(string name, string value, ref IPAddress client)
    {
        var unknown = value is Unavailable or TemporarilyUnavailable;
        switch (name)
        {
            case "ADDR":
                if (unknown)
                {
                    return true;
                }

                var ipv6 = value.StartsWith("IPV6:", StringComparison.OrdinalIgnoreCase);
                if (!IPAddress.TryParse(ipv6 ? value[5..] : value, out var address)
                    || address.AddressFamily != (ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)
                    || (!ipv6 && value.Count(c => c == '.') != 3))
                {
                    return false;
                }

                client = PeerTrust.Normalize(address);
                return true;
            case "HELO":
                // The same characters an EHLO may bring (HeloParser), one word.
                var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(value)));
                return unknown || (!value.Contains(' ', StringComparison.Ordinal) && HeloParser.TryParse(ref reader, out _));
            case "PORT":
                return unknown || ushort.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
            case "PROTO":
                return unknown || value.Equals("SMTP", StringComparison.OrdinalIgnoreCase) || value.Equals("ESMTP", StringComparison.OrdinalIgnoreCase);
            default: // NAME: a host name, not used (no reverse DNS here)
                return unknown || Uri.CheckHostName(value) == UriHostNameType.Dns;
        }
    }
}
