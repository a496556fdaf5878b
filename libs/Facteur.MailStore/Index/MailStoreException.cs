namespace Facteur.MailStore.Index;

/// <summary>Why a store operation was refused; the IMAP server maps these to response codes (RFC 5530).</summary>
public enum MailStoreError
{
    /// <summary>The folder does not exist ([NONEXISTENT]).</summary>
    NonExistent,

    /// <summary>The folder already exists ([ALREADYEXISTS]).</summary>
    AlreadyExists,

    /// <summary>The name is not a valid folder name ([CANNOT]).</summary>
    InvalidName,

    /// <summary>The operation is not allowed on this folder, e.g. deleting INBOX ([CANNOT]).</summary>
    NotAllowed,

    /// <summary>The user's quota would be exceeded ([OVERQUOTA]).</summary>
    OverQuota,

    /// <summary>All 26 keyword letters of the folder are in use ([LIMIT]).</summary>
    TooManyKeywords,

    /// <summary>The folder's lock could not be taken in time ([INUSE]).</summary>
    InUse,
}

/// <summary>A refused store operation, with the reason in <see cref="Error"/>.</summary>
public sealed class MailStoreException : Exception
{
    public MailStoreException(MailStoreError error, string message)
        : base(message) => Error = error;

    public MailStoreException(MailStoreError error, string message, Exception inner)
        : base(message, inner) => Error = error;

    public MailStoreException()
        : base("Mail store operation failed.")
    {
    }

    public MailStoreException(string message)
        : base(message)
    {
    }

    public MailStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MailStoreError Error { get; }
}
