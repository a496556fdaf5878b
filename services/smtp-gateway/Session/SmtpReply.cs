namespace Facteur.SmtpGateway.Session;

/// <summary>One reply: code, enhanced status code (RFC 3463/2034, may be null for 220/221 banners), text.</summary>
internal readonly record struct SmtpReply(int Code, string? Enhanced, string Text)
{
    public override string ToString() => Enhanced is null ? $"{Code} {Text}" : $"{Code} {Enhanced} {Text}";
}
