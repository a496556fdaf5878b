namespace Facteur.MailStore.Index;

/// <summary>A folder of a user as LIST reports it.</summary>
/// <param name="Name">IMAP name with '.' as hierarchy separator ("INBOX", "Work.Projects"); not modified-UTF-7 encoded (the server encodes for the wire).</param>
/// <param name="Exists">False for a hierarchy level that only exists as the parent of a folder (\NonExistent / \Noselect).</param>
/// <param name="HasChildren">RFC 3348 \HasChildren.</param>
/// <param name="Subscribed">In the <c>subscriptions</c> file.</param>
/// <param name="SpecialUse">RFC 6154 role, by conventional name.</param>
public sealed record FolderInfo(string Name, bool Exists, bool HasChildren, bool Subscribed, SpecialUse SpecialUse);
