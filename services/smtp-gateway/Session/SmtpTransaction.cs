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

    /// <summary>Octets received over all BDAT chunks so far.</summary>
    public long ChunkedSize { get; set; }
}
