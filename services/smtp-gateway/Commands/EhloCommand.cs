using System.Buffers;
using System.Globalization;
using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>EHLO and HELO (RFC 5321 §4.1.1.1): greet, reset any transaction, list the extensions.</summary>
internal sealed class EhloCommand(bool extended) : ISmtpCommand
{
    public async ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken)
    {
        if (!TryParse(arguments, out var name))
        {
            return session.Reject(new SmtpReply(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname"));
        }

        await session.EndTransactionAsync();
        session.State = SmtpState.Ready;
        session.HeloName = name;
        session.IsEsmtp = extended;
        var hostname = session.Dependencies.Facteur.Hostname;
        if (!extended)
        {
            return session.Reply(new SmtpReply(250, null, hostname));
        }

        List<string> lines =
        [
            hostname,
            "PIPELINING",
            "SIZE " + session.Dependencies.Facteur.MaxMessageSize.ToString(CultureInfo.InvariantCulture),
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SMTPUTF8",
            "CHUNKING",
            "DSN",
        ];
        if (!session.IsTls)
        {
            lines.Add("STARTTLS");
        }

        if (session.AuthAvailable)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        if (session.PeerTrusted)
        {
            lines.Add(XclientCommand.Keyword);
        }

        session.Replies.WriteLines(250, lines);
        return CommandOutcome.Continue;
    }

    private static bool TryParse(ReadOnlySequence<byte> arguments, out string name)
    {
        var reader = new SequenceReader<byte>(arguments);
        return HeloParser.TryParse(ref reader, out name);
    }
}
