using Facteur.Webmail.Imap;
using Facteur.Webmail.Localization;
using Facteur.Webmail.Mail;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail.Pages.Mail;

/// <summary>The folder list and one page of a folder's messages, with the bulk actions and folder management.</summary>
internal sealed class IndexModel(ImapSessionPool pool, IOptions<WebmailOptions> options, Texts texts, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "f")]
    public string Folder { get; set; } = "INBOX";

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [BindProperty(SupportsGet = true)]
    public MessageSort Sort { get; set; } = MessageSort.Arrival;

    [BindProperty(SupportsGet = true)]
    public bool Asc { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>The highest UID of the listing the user is paging through (see <see cref="MessagePage.Top"/>).</summary>
    [BindProperty(SupportsGet = true, Name = "t")]
    public uint? Top { get; set; }

    public IReadOnlyList<FolderItem> Folders { get; private set; } = [];

    public MessagePage Messages { get; private set; } = new([], 0, 1, 1);

    public FolderItem? Current { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        await pool.WithSessionAsync(HttpContext, async lease =>
        {
            var token = HttpContext.RequestAborted;
            Folders = await FolderList.LoadAsync(lease, options.Value.FolderCountsLifetime, time, token);
            if (!Folders.Any(f => f.FullName == Folder))
            {
                // A folder created (or renamed) a moment ago, maybe through another replica whose
                // cached list this one does not share: ask the server before falling back to INBOX.
                lease.Cache.ForgetFolders();
                Folders = await FolderList.LoadAsync(lease, options.Value.FolderCountsLifetime, time, token);
            }

            Current = Folders.FirstOrDefault(f => f.FullName == Folder) ?? Folders.FirstOrDefault();
            if (Current is not null)
            {
                Folder = Current.FullName;
                IMailFolder folder;
                try
                {
                    folder = await MailboxAccess.OpenAsync(lease.Client, Folder, FolderAccess.ReadOnly, token, refresh: true);
                }
                catch (Exception e) when (e is FolderNotFoundException or ImapCommandException)
                {
                    // Deleted meanwhile (the cached list still had it): show INBOX and a fresh list.
                    lease.Cache.ForgetFolders();
                    Folders = await FolderList.LoadAsync(lease, options.Value.FolderCountsLifetime, time, token);
                    Current = Folders.FirstOrDefault();
                    Folder = Current?.FullName ?? "INBOX";
                    folder = await MailboxAccess.OpenAsync(lease.Client, Folder, FolderAccess.ReadOnly, token, refresh: true);
                }

                Messages = await MessageListing.LoadAsync(lease, folder, Q, Sort, !Asc, PageNumber, options.Value.PageSize, Top, token);
            }

            return 0;
        });
        return Page();
    }

    public async Task<IActionResult> OnPostBulkAsync(string? op, uint[]? uids, string? target)
    {
        var selected = (uids ?? []).Select(uid => new UniqueId(uid)).ToList();
        if (selected.Count > 0)
        {
            Notice = await pool.WithImapAsync(HttpContext, async client =>
            {
                var folder = await MailboxAccess.OpenAsync(client, Folder, FolderAccess.ReadWrite, HttpContext.RequestAborted);
                var token = HttpContext.RequestAborted;
                switch (op)
                {
                    case "delete":
                        await MessageActions.DeleteAsync(client, folder, selected, token);
                        return texts["Deleted"];
                    case "move" when !string.IsNullOrEmpty(target) && target != Folder:
                        var destination = await client.GetFolderAsync(target, token);
                        await MessageActions.MoveAsync(client, folder, selected, destination, token);
                        return texts["Moved"];
                    case "read":
                        await MessageActions.MarkAsync(folder, selected, MessageFlags.Seen, true, token);
                        break;
                    case "unread":
                        await MessageActions.MarkAsync(folder, selected, MessageFlags.Seen, false, token);
                        break;
                    case "flag":
                        await MessageActions.MarkAsync(folder, selected, MessageFlags.Flagged, true, token);
                        break;
                    case "unflag":
                        await MessageActions.MarkAsync(folder, selected, MessageFlags.Flagged, false, token);
                        break;
                    default:
                        return null;
                }

                return texts["Updated"];
            });
        }

        return RedirectToList();
    }

    public async Task<IActionResult> OnPostEmptyTrashAsync()
    {
        await pool.WithImapAsync(HttpContext, async client =>
        {
            var trash = await SpecialFolders.GetOrCreateAsync(client, FolderKind.Trash, HttpContext.RequestAborted);
            await trash.OpenAsync(FolderAccess.ReadWrite, HttpContext.RequestAborted);
            await MessageActions.EmptyAsync(client, trash, HttpContext.RequestAborted);
            Folder = trash.FullName;
            return 0;
        });
        Notice = texts["TrashEmptied"];
        return Redirect(ListUrl());
    }

    public Task<IActionResult> OnPostCreateFolderAsync(string? name) =>
        FolderOperationAsync(async client =>
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            var created = await root.CreateAsync(FolderName(name), true, HttpContext.RequestAborted)
                ?? throw new InvalidOperationException(name);
            await created.SubscribeAsync(HttpContext.RequestAborted);
            Folder = created.FullName;
        });

    public Task<IActionResult> OnPostRenameFolderAsync(string? name) =>
        FolderOperationAsync(async client =>
        {
            var folder = await client.GetFolderAsync(Folder, HttpContext.RequestAborted);
            if (SpecialFolders.KindOf(folder) != FolderKind.None)
            {
                throw new InvalidOperationException(texts.Folder(SpecialFolders.KindOf(folder), folder.Name));
            }

            await folder.RenameAsync(folder.ParentFolder ?? client.GetFolder(client.PersonalNamespaces[0]), FolderName(name), HttpContext.RequestAborted);
            Folder = folder.FullName;
        });

    public Task<IActionResult> OnPostDeleteFolderAsync() =>
        FolderOperationAsync(async client =>
        {
            var folder = await client.GetFolderAsync(Folder, HttpContext.RequestAborted);
            if (SpecialFolders.KindOf(folder) != FolderKind.None)
            {
                throw new InvalidOperationException(texts.Folder(SpecialFolders.KindOf(folder), folder.Name));
            }

            await folder.DeleteAsync(HttpContext.RequestAborted);
            Folder = "INBOX";
        });

    /// <summary>A link to the list; <paramref name="keepTop"/> keeps the paging bound (pager links), a new sort or search drops it.</summary>
    public string ListUrl(string? folder = null, int? page = null, MessageSort? sort = null, bool? asc = null, string? q = null, bool keepTop = false) =>
        Url.Page("/Mail/Index", new
        {
            f = folder ?? Folder,
            p = page ?? 1,
            sort = sort ?? Sort,
            asc = asc ?? Asc,
            q = q ?? Q,
            t = keepTop ? (Messages.Top > 0 ? Messages.Top : Top) : null,
        })!;

    /// <summary>A column header: the current column flips its direction; another starts A→Z for names, newest or biggest first for dates and sizes.</summary>
    public string SortUrl(MessageSort column) =>
        ListUrl(sort: column, asc: column == Sort ? !Asc : column is MessageSort.From or MessageSort.Subject);

    public string SortMark(MessageSort column) => column == Sort ? (Asc ? " ▲" : " ▼") : string.Empty;

    public string AriaSort(MessageSort column) => column == Sort ? (Asc ? "ascending" : "descending") : "none";

    private async Task<IActionResult> FolderOperationAsync(Func<ImapClient, Task> operation)
    {
        try
        {
            await pool.WithImapAsync(HttpContext, async client =>
            {
                await operation(client);
                return 0;
            });
        }
        catch (Exception e) when (e is ImapCommandException or FolderNotFoundException or InvalidOperationException or ArgumentException)
        {
            Error = texts.Format("FolderError", e is ImapCommandException command ? command.ResponseText : e.Message);
            Notice = Error;
        }

        return Redirect(ListUrl());
    }

    private static string FolderName(string? name)
    {
        name = name?.Trim() ?? string.Empty;

        // The server refuses path tricks too; refusing here gives the user a clear message.
        if (name.Length is 0 or > 200 || name.Contains('/') || name.Contains('\\') || name.Contains('\0') || name.StartsWith('.') || name.Contains(".."))
        {
            throw new ArgumentException(name);
        }

        return name;
    }

    private RedirectResult RedirectToList() => Redirect(ListUrl(page: PageNumber, keepTop: true));
}
