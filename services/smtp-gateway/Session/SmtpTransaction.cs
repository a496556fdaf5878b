using System.Diagnostics;
using Facteur.SmtpGateway.Intake;

namespace Facteur.SmtpGateway.Session;

/// <summary>What MAIL starts and end of data or RSET ends (RFC 5321 §3.3).</summary>
internal sealed class SmtpTransaction(string queueId, string reversePath, bool smtpUtf8, Activity? activity)
{
    public string QueueId { get; } = queueId;

    /// <summary>Without brackets; empty for the null sender.</summary>
    public string ReversePath { get; } = reversePath;

    /// <summary>MAIL carried SMTPUTF8 (RFC 6531): UTF-8 addresses and headers may follow.</summary>
    public bool SmtpUtf8 { get; } = smtpUtf8;

    public List<string> Recipients { get; } = [];

    /// <summary>Spans MAIL to the end of data; made Current while the intake commits.</summary>
    public Activity? Activity { get; } = activity;

    /// <summary>The spool entry once DATA or the first BDAT opened it.</summary>
    public ISpooledMessage? Spooled { get; set; }

    /// <summary>RFC 3461 ENVID and RET from MAIL (null when not given).</summary>
    public string? EnvelopeId { get; set; }

    public string? DsnReturn { get; set; }

    /// <summary>RFC 3461 NOTIFY and ORCPT per accepted recipient that gave them.</summary>
    public Dictionary<string, string> DsnNotify { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string> OriginalRecipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Octets received over all BDAT chunks so far.</summary>
    public long ChunkedSize { get; set; }
}
