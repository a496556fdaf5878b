using System.Globalization;
using Facteur.MailboxApi.Pop3.Parsing;

namespace Facteur.MailboxApi.Pop3.Commands;

/// <summary>
/// CAPA (RFC 2449 §5). USER and SASL are listed only when a login may be attempted now (after
/// TLS, or when plaintext is allowed: RFC 2595 §4), STLS only before TLS in AUTHORIZATION.
/// EXPIRE and LOGIN-DELAY only when configured. No APOP.
/// </summary>
internal sealed class CapaCommand : IPop3Command
{
    public async ValueTask<Pop3Outcome> ExecuteAsync(Pop3Session session, Pop3Command command, CancellationToken cancellationToken)
    {
        var options = session.Options;
        var lines = new List<string> { "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING" };
        if (session.State == Pop3State.Authorization)
        {
            if (session.CanAuthenticate)
            {
                lines.Add("USER");
                lines.Add("SASL PLAIN LOGIN");
            }

            if (session.CanStartTls)
            {
                lines.Add("STLS");
            }
        }

        if (options.Expire is { } expire)
        {
            lines.Add("EXPIRE " + expire);
        }

        if (options.LoginDelaySeconds is { } delay)
        {
            lines.Add("LOGIN-DELAY " + delay.ToString(CultureInfo.InvariantCulture));
        }

        lines.Add("IMPLEMENTATION " + options.Implementation);
        await session.Reply.MultiLineAsync("Capability list follows", lines, cancellationToken).ConfigureAwait(false);
        return Pop3Outcome.Continue;
    }
}
