namespace Facteur.SmtpGateway.Inbound;

/// <summary>RFC 7208 §2.6 results (lower-case names are what Authentication-Results records).</summary>
internal enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}
