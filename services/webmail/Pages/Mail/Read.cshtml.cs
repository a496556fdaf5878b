using Facteur.Webmail.Imap;
using Facteur.Webmail.Mail;
using MailKit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MimeKit;

namespace Facteur.Webmail.Pages.Mail;

/// <summary>
/// One message: headers, body (text inline, HTML in a sandboxed frame), attachments. With
/// <c>path</c> it shows a message attached to it (message/rfc822), with the same protections.
/// </summary>
internal sealed class ReadModel(ImapSessionPool pool, Microsoft.Extensions.Options.IOptions<WebmailOptions> options, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "f")]
    public string Folder { get; set; } = "INBOX";

    [BindProperty(SupportsGet = true)]
    public uint Uid { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Path { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Images { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Headers { get; set; }

    public MimeMessage? Message { get; private set; }

    public IReadOnlyList<FolderItem> Folders { get; private set; } = [];

    public IReadOnlyList<AttachmentInfo> Attachments { get; private set; } = [];

    public bool HasHtml { get; private set; }

    public bool HasRemoteContent { get; private set; }

    public string? Text { get; private set; }

    public string Query(bool? images = null, bool? headers = null)
    {
        var query = $"f={Uri.EscapeDataString(Folder)}&uid={Uid}";
        if (!string.IsNullOrEmpty(Path))
        {
            query += "&path=" + Uri.EscapeDataString(Path);
        }

        if (images ?? Images)
        {
            query += "&images=true";
        }

        if (headers ?? Headers)
        {
            query += "&headers=true";
        }

        return query;
    }

    public async Task<IActionResult> OnGetAsync()
    {
        var found = await pool.WithSessionAsync(HttpContext, async lease =>
        {
            var token = HttpContext.RequestAborted;
            Folders = await FolderList.LoadAsync(lease, options.Value.FolderCountsLifetime, time, token);
            var folder = await MailboxAccess.OpenAsync(lease.Client, Folder, FolderAccess.ReadWrite, token);
            var message = await MailboxAccess.GetMessageAsync(lease, folder, Uid, token);
            if (message is null)
            {
                return false;
            }

            // MailKit fetches with BODY.PEEK: opening the message is what marks it read. Only an
            // unread one needs the STORE, and only then do the cached unread counts change.
            var flags = await folder.FetchAsync([new UniqueId(Uid)], MessageSummaryItems.Flags, token);
            if (flags.FirstOrDefault() is { Flags: { } current } && !current.HasFlag(MessageFlags.Seen))
            {
                await folder.AddFlagsAsync(new UniqueId(Uid), MessageFlags.Seen, true, token);
                lease.Cache.ForgetFolders();
                Folders = await FolderList.LoadAsync(lease, options.Value.FolderCountsLifetime, time, token);
            }

            Message = MessageParts.ResolveMessage(message, Path);
            return Message is not null;
        });
        if (!found || Message is null)
        {
            return NotFound();
        }

        Attachments = MessageParts.Attachments(Message, Path);
        if (Message.HtmlBody is { } html)
        {
            HasHtml = true;
            HasRemoteContent = MessageHtml.HasRemoteContent(html);
        }
        else
        {
            Text = Message.TextBody ?? string.Empty;
        }

        return Page();
    }
}
