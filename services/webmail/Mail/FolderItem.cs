namespace Facteur.Webmail.Mail;

/// <summary>A line of the folder list: its IMAP name, what it is, and its counts.</summary>
internal sealed record FolderItem(string FullName, string Name, FolderKind Kind, int Unread, int Total, int Depth);

/// <summary>A line of the message list.</summary>
internal sealed record MessageRow(uint Uid, string From, string Subject, DateTimeOffset Date, long Size, bool Seen, bool Flagged, bool HasAttachment);
