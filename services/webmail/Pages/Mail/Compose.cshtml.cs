using Facteur.Hosting;
using Facteur.Webmail.Imap;
using Facteur.Webmail.Localization;
using Facteur.Webmail.Mail;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Facteur.Webmail.Pages.Mail;

/// <summary>
/// New message, reply, reply-all, forward (inline or as attachment), draft resume. Sending goes
/// through SMTP submission with the user's own credentials, then a copy is appended to Sent.
/// The page keeps nothing between requests: carried-over attachments (of a draft or a forwarded
/// message) are named by folder, UID and part path and fetched again when the form is posted.
/// </summary>
internal sealed class ComposeModel(
    ImapSessionPool pool, MailConnector connector, IOptions<FacteurOptions> facteur, Texts texts, WebmailTelemetry telemetry, ILogger<ComposeModel> logger)
    : PageModel
{
    [BindProperty] public string? To { get; set; }
    [BindProperty] public string? Cc { get; set; }
    [BindProperty] public string? Bcc { get; set; }
    [BindProperty] public string? Subject { get; set; }
    [BindProperty] public string? Body { get; set; }
    [BindProperty] public string? HtmlBody { get; set; }
    [BindProperty] public string? InReplyTo { get; set; }
    [BindProperty] public string? References { get; set; }
    [BindProperty] public string? CarryFolder { get; set; }
    [BindProperty] public uint? CarryUid { get; set; }
    [BindProperty] public List<string> CarryParts { get; set; } = [];
    [BindProperty] public bool AttachWhole { get; set; }
    [BindProperty] public uint? Draft { get; set; }
    [BindProperty] public List<IFormFile> Uploads { get; set; } = [];

    public IReadOnlyList<AttachmentInfo> Carried { get; private set; } = [];

    public string? CarriedMessageName { get; private set; }

    public List<string> Errors { get; } = [];

    public long MaxSize => facteur.Value.MaxMessageSize;

    public async Task<IActionResult> OnGetAsync(string? mode, string? f, uint? uid, uint? draft)
    {
        var self = MailboxAccess.Account(HttpContext).Address;
        await pool.WithImapAsync(HttpContext, async client =>
        {
            var token = HttpContext.RequestAborted;
            if (draft is { } draftUid)
            {
                var drafts = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Drafts, token);
                await drafts.OpenAsync(FolderAccess.ReadOnly, token);
                if (await MailboxAccess.GetMessageAsync(drafts, draftUid, token) is { } saved)
                {
                    To = saved.To.ToString();
                    Cc = saved.Cc.ToString();
                    Bcc = saved.Bcc.ToString();
                    Subject = saved.Subject;
                    Body = saved.TextBody;
                    HtmlBody = saved.HtmlBody;
                    InReplyTo = saved.InReplyTo;
                    References = string.Join(' ', saved.References.Select(id => "<" + id + ">"));
                    Draft = draftUid;
                    Carry(drafts.FullName, draftUid, saved);
                }
            }
            else if (uid is { } originalUid && mode is not null)
            {
                var folder = await MailboxAccess.OpenAsync(client, f, FolderAccess.ReadOnly, token);
                if (await MailboxAccess.GetMessageAsync(folder, originalUid, token) is { } original)
                {
                    Prefill(mode, original, self, folder.FullName, originalUid);
                }
            }

            return 0;
        });
        return Page();
    }

    public async Task<IActionResult> OnPostSendAsync()
    {
        var account = MailboxAccess.Account(HttpContext);
        var message = await BuildAsync(account.Address, requireRecipients: true);
        if (message is null)
        {
            return await ShowErrorsAsync();
        }

        try
        {
            using var smtp = await connector.OpenSubmissionAsync(account, HttpContext.RequestAborted);
            await smtp.SendAsync(message, HttpContext.RequestAborted);
            await smtp.DisconnectAsync(true, HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException or MailKit.Security.AuthenticationException)
        {
            Errors.Add(texts.Format("SendFailed", e.Message));
            return await ShowErrorsAsync();
        }

        telemetry.MessagesSent.Add(1);
        WebmailLog.MessageSent(logger, account.Address, message.To.Count + message.Cc.Count + message.Bcc.Count);
        await pool.WithImapAsync(HttpContext, async client =>
        {
            var token = HttpContext.RequestAborted;
            var sent = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Sent, token);
            await sent.AppendAsync(message, MessageFlags.Seen, token);
            await DeleteDraftAsync(client, token);
            return 0;
        });
        TempData["Notice"] = texts["MessageSent"];
        return Redirect("/Mail");
    }

    public async Task<IActionResult> OnPostSaveDraftAsync()
    {
        var account = MailboxAccess.Account(HttpContext);
        var message = await BuildAsync(account.Address, requireRecipients: false);
        if (message is null)
        {
            return await ShowErrorsAsync();
        }

        var draftsName = await pool.WithImapAsync(HttpContext, async client =>
        {
            var token = HttpContext.RequestAborted;
            var drafts = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Drafts, token);
            await drafts.AppendAsync(message, MessageFlags.Draft | MessageFlags.Seen, token);
            await DeleteDraftAsync(client, token);
            return drafts.FullName;
        });
        TempData["Notice"] = texts["DraftSaved"];
        return Redirect("/Mail?f=" + Uri.EscapeDataString(draftsName));
    }

    private void Prefill(string mode, MimeMessage original, string self, string folder, uint uid)
    {
        switch (mode)
        {
            case "reply":
            case "replyall":
                var (to, cc) = Composer.ReplyRecipients(original, self, mode == "replyall");
                To = to.ToString();
                Cc = cc.ToString();
                Subject = Composer.ReplySubject(original.Subject);
                Body = Composer.Quote(original, texts);
                InReplyTo = original.MessageId;
                References = string.Join(' ', original.References.Append(original.MessageId).Where(id => id is not null).Select(id => "<" + id + ">"));
                break;
            case "forward":
                Subject = Composer.ForwardSubject(original.Subject);
                Body = Composer.ForwardBlock(original, texts);
                Carry(folder, uid, original);
                break;
            case "forwardattachment":
                Subject = Composer.ForwardSubject(original.Subject);
                CarryFolder = folder;
                CarryUid = uid;
                AttachWhole = true;
                CarriedMessageName = (string.IsNullOrEmpty(original.Subject) ? "message" : original.Subject) + ".eml";
                break;
        }
    }

    private void Carry(string folder, uint uid, MimeMessage message)
    {
        CarryFolder = folder;
        CarryUid = uid;
        Carried = MessageParts.Attachments(message, null);
        CarryParts = [.. Carried.Select(a => a.Path)];
    }

    private async Task<MimeMessage?> BuildAsync(string self, bool requireRecipients)
    {
        var invalid = new List<string>();
        var to = Composer.ParseAddresses(To, invalid);
        var cc = Composer.ParseAddresses(Cc, invalid);
        var bcc = Composer.ParseAddresses(Bcc, invalid);
        Errors.AddRange(invalid.Select(address => texts.Format("InvalidAddress", address)));
        if (requireRecipients && to.Count + cc.Count + bcc.Count == 0)
        {
            Errors.Add(texts["NoRecipient"]);
        }

        var uploaded = Uploads.Sum(file => file.Length);
        if (uploaded > MaxSize)
        {
            Errors.Add(texts.Format("TooLarge", Texts.ByteSize(MaxSize)));
        }

        if (Errors.Count > 0)
        {
            return null;
        }

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(self));
        message.To.AddRange(to);
        message.Cc.AddRange(cc);
        message.Bcc.AddRange(bcc);
        message.Subject = Subject ?? string.Empty;
        if (!string.IsNullOrWhiteSpace(InReplyTo))
        {
            message.InReplyTo = InReplyTo.Trim('<', '>', ' ');
        }

        if (!string.IsNullOrWhiteSpace(References))
        {
            foreach (var id in MimeKit.Utils.MimeUtils.EnumerateReferences(References))
            {
                message.References.Add(id);
            }
        }

        var body = new BodyBuilder { TextBody = Body ?? string.Empty };
        if (!string.IsNullOrWhiteSpace(HtmlBody))
        {
            body.HtmlBody = HtmlBody;
        }

        foreach (var file in Uploads)
        {
            await using var stream = file.OpenReadStream();
            var contentType = ContentType.TryParse(file.ContentType, out var parsed) ? parsed : new ContentType("application", "octet-stream");
            await body.Attachments.AddAsync(Path.GetFileName(file.FileName), stream, contentType, HttpContext.RequestAborted);
        }

        if (CarryFolder is not null && CarryUid is { } carryUid && (AttachWhole || CarryParts.Count > 0))
        {
            await pool.WithImapAsync(HttpContext, async client =>
            {
                var folder = await MailboxAccess.OpenAsync(client, CarryFolder, FolderAccess.ReadOnly, HttpContext.RequestAborted);
                var source = await MailboxAccess.GetMessageAsync(folder, carryUid, HttpContext.RequestAborted);
                if (source is null)
                {
                    return 0;
                }

                if (AttachWhole)
                {
                    body.Attachments.Add(new MessagePart { Message = source, ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) });
                }
                else
                {
                    foreach (var path in CarryParts)
                    {
                        if (MessageParts.Resolve(source, path) is { } part)
                        {
                            body.Attachments.Add(part);
                        }
                    }
                }

                return 0;
            });
        }

        message.Body = body.ToMessageBody();
        using var measure = new MimeKit.IO.MeasuringStream();
        await message.WriteToAsync(measure, HttpContext.RequestAborted);
        if (measure.Length > MaxSize)
        {
            Errors.Add(texts.Format("TooLarge", Texts.ByteSize(MaxSize)));
            return null;
        }

        return message;
    }

    private async Task DeleteDraftAsync(MailKit.Net.Imap.ImapClient client, CancellationToken token)
    {
        if (Draft is not { } draftUid)
        {
            return;
        }

        var drafts = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Drafts, token);
        await drafts.OpenAsync(FolderAccess.ReadWrite, token);
        await MessageActions.ExpungeAsync(client, drafts, [new UniqueId(draftUid)], token);
    }

    private async Task<IActionResult> ShowErrorsAsync()
    {
        if (CarryFolder is not null && CarryUid is { } carryUid && !AttachWhole)
        {
            await pool.WithImapAsync(HttpContext, async client =>
            {
                var folder = await MailboxAccess.OpenAsync(client, CarryFolder, FolderAccess.ReadOnly, HttpContext.RequestAborted);
                if (await MailboxAccess.GetMessageAsync(folder, carryUid, HttpContext.RequestAborted) is { } source)
                {
                    Carried = MessageParts.Attachments(source, null);
                }

                return 0;
            });
        }

        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }
}
