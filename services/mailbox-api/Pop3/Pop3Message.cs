using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Pop3;

/// <summary>A message of the maildrop as numbered for this session (RFC 1939 §2: 1-based, fixed for the session).</summary>
internal sealed class Pop3Message(int number, MaildirMessage message, long size, uint uidValidity)
{
    public int Number { get; } = number;

    public MaildirMessage Message { get; set; } = message;

    /// <summary>Octets RETR sends (CRLF line ends, before stuffing).</summary>
    public long Size { get; } = size;

    /// <summary>The UIDVALIDITY the UIDL is made of (with the UID), unless the uidlist kept an earlier server's UIDL.</summary>
    public uint UidValidity { get; } = uidValidity;

    /// <summary>Made when asked (UIDL n): the whole-maildrop UIDL formats the digits straight into the pipe.</summary>
    public string Uidl => Maildrop.UidlOf(Message, UidValidity);

    /// <summary>Marked by DELE; set only through <see cref="Maildrop.Delete"/> and <see cref="Maildrop.Reset"/>, which keep its counts.</summary>
    public bool Deleted { get; set; }

    /// <summary>Sent whole by RETR and not yet \Seen on disk: the flag is stored when the session ends.</summary>
    public bool SeenPending { get; set; }
}
