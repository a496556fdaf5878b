namespace Facteur.MailboxApi.Imap.Mailbox;

/// <summary>The special-use folders (RFC 6154) Facteur creates at first login, with their attribute.</summary>
internal static class SpecialUse
{
    public static readonly (string Name, string Attribute)[] Folders =
    [
        ("Drafts", @"\Drafts"),
        ("Sent", @"\Sent"),
        ("Trash", @"\Trash"),
        ("Junk", @"\Junk"),
        ("Archive", @"\Archive"),
    ];

    public static string? AttributeOf(string name) =>
        Folders.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal)).Attribute;
}
