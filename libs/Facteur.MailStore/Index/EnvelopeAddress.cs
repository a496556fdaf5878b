namespace Facteur.MailStore.Index;

/// <summary>
/// One address of an ENVELOPE address list (RFC 3501 §7.4.2): personal name, source route, mailbox,
/// host. A group is a start marker (<see cref="Host"/> null, <see cref="Mailbox"/> = group name)
/// then its members, then an end marker (<see cref="Mailbox"/> and <see cref="Host"/> null).
/// <see cref="Name"/> is kept in its header form (RFC 2047 encoded words are not decoded).
/// </summary>
public sealed record EnvelopeAddress(string? Name, string? Route, string? Mailbox, string? Host)
{
    /// <summary>True for a group start marker.</summary>
    public bool IsGroupStart => Host is null && Mailbox is not null;

    /// <summary>True for a group end marker.</summary>
    public bool IsGroupEnd => Host is null && Mailbox is null;
}
