using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Facteur.Webmail;

/// <summary>Where the webmail finds its IMAP and submission servers, and how it keeps its sessions.</summary>
public sealed class WebmailOptions
{
    public const string SectionName = "Webmail";

    /// <summary>HTTP port of the webmail listener; unset → <c>Http:Port</c> (standalone), then ASPNETCORE_HTTP_PORTS, then 8080.</summary>
    [Range(0, 65535, ErrorMessage = "Webmail:Port must be between 0 and 65535")]
    public int? Port { get; set; }

    [Required(ErrorMessage = "Webmail:ImapHost is required")]
    public string ImapHost { get; set; } = "localhost";

    [Range(1, 65535, ErrorMessage = "Webmail:ImapPort must be between 1 and 65535")]
    public int ImapPort { get; set; } = 143;

    /// <summary>None, StartTls, StartTlsWhenAvailable, SslOnConnect (MailKit's SecureSocketOptions).</summary>
    public SecureSocketOptions ImapSecurity { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    [Required(ErrorMessage = "Webmail:SmtpHost is required")]
    public string SmtpHost { get; set; } = "localhost";

    [Range(1, 65535, ErrorMessage = "Webmail:SmtpPort must be between 1 and 65535")]
    public int SmtpPort { get; set; } = 587;

    public SecureSocketOptions SmtpSecurity { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    /// <summary>
    /// Accept the IMAP/SMTP servers' certificate without checking it: inside a cluster the
    /// servers often run with Facteur's self-signed certificate. Off by default.
    /// </summary>
    public bool AcceptAnyServerCertificate { get; set; }

    /// <summary>Folder of the Data Protection key ring, shared by every replica (a volume).</summary>
    public string? DataProtectionKeysPath { get; set; }

    /// <summary>Sliding session lifetime: the cookie expires after this long without a request (seconds are allowed for tests).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "7.00:00:00", ErrorMessage = "Webmail:SessionTimeout must be between 5 seconds and 7 days")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>An IMAP connection of the pool is closed after this long unused.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "Webmail:ImapIdleTimeout must be between 5 seconds and 1 hour")]
    public TimeSpan ImapIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a session reuses its folder list with unread counts (LIST-STATUS of every folder
    /// is the dearest command of a page). Any change made through the webmail refreshes it at
    /// once; mail arriving shows in the counts after at most this long (the open folder's list is
    /// always current). Zero: every page asks the server.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Webmail:FolderCountsLifetime must be between 0 and 5 minutes")]
    public TimeSpan FolderCountsLifetime { get; set; } = TimeSpan.FromSeconds(10);

    [Range(5, 500, ErrorMessage = "Webmail:PageSize must be between 5 and 500")]
    public int PageSize { get; set; } = 50;

    /// <summary>Failed logins per account (and per client address) allowed in <see cref="LoginWindow"/>.</summary>
    [Range(1, 1000, ErrorMessage = "Webmail:LoginAttempts must be between 1 and 1000")]
    public int LoginAttempts { get; set; } = 5;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Login posts per client address and minute that one replica accepts (the edge has its own limit for the farm).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Webmail:LoginRequestsPerMinute must be between 1 and 1000000")]
    public int LoginRequestsPerMinute { get; set; } = 30;

    /// <summary>Whether /readyz includes a TCP check of the IMAP server (off in the standalone host, which is that server).</summary>
    public bool CheckImapReadiness { get; set; } = true;
}
