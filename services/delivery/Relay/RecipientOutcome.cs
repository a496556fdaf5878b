namespace Facteur.Delivery.Relay;

internal enum RecipientStatus
{
    Delivered,
    TemporaryFailure,
    PermanentFailure,
}

/// <summary>What happened to one recipient in one attempt: RFC 3463 status and the remote's words.</summary>
internal sealed record RecipientOutcome(string Recipient, RecipientStatus Status, string EnhancedStatus, string Diagnostic, string? RemoteMta)
{
    public static RecipientOutcome From(string recipient, int code, string text, string? remoteMta)
    {
        var status = code switch
        {
            >= 200 and < 300 => RecipientStatus.Delivered,
            >= 500 => RecipientStatus.PermanentFailure,
            _ => RecipientStatus.TemporaryFailure,
        };
        return new RecipientOutcome(recipient, status, EnhancedCodeOf(code, text), $"smtp; {code} {text.ReplaceLineEndings(" ")}".Trim(), remoteMta);
    }

    /// <summary>The RFC 3463 code at the start of the reply text, or the class default.</summary>
    private static string EnhancedCodeOf(int code, string text)
    {
        var first = text.TrimStart().Split(' ', 2)[0];
        var parts = first.Split('.');
        if (parts.Length == 3 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)) && parts[0] is "2" or "4" or "5")
        {
            return first;
        }

        return code switch
        {
            >= 200 and < 300 => "2.0.0",
            >= 500 => "5.0.0",
            _ => "4.0.0",
        };
    }
}
