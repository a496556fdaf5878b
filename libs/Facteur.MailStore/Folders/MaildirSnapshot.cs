namespace Facteur.MailStore.Folders;

/// <summary>A folder's messages in UID order, with the UIDVALIDITY and next UID they were read under.</summary>
public sealed record MaildirSnapshot(uint UidValidity, uint NextUid, IReadOnlyList<MaildirMessage> Messages);
