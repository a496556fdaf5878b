namespace Facteur.MailStore.Folders;

/// <summary>
/// A message of a folder as last seen on disk: its UID from <c>dovecot-uidlist</c>, its key
/// (the file name before <c>:2,</c>) and where the file was. Another process may rename or
/// delete the file at any moment; <see cref="MaildirFolder"/> relocates it by key.
/// <see cref="Pop3Uidl"/> is the uidlist's <c>P</c> extension: a UIDL kept from an earlier server, which Dovecot prefers.
/// </summary>
public sealed record MaildirMessage(uint Uid, string Key, string FileName, bool IsNew, MaildirFlags Flags, string Keywords, long? VirtualSize, string? Pop3Uidl = null)
{
    /// <summary>The sub-directory the file was in: "new" or "cur".</summary>
    public string SubDirectory => IsNew ? "new" : "cur";
}
