namespace Facteur.MailStore.Index;

/// <summary>RFC 6154 special-use roles. The folder of each role has the conventional name (Sent, Drafts, Trash, Junk, Archive).</summary>
public enum SpecialUse
{
    None = 0,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}
