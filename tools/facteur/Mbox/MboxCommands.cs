using System.CommandLine;
using Facteur.Cli.Commands;
using Facteur.MailStore.Folders;

namespace Facteur.Cli.Mbox;

/// <summary><c>facteur mbox export|import</c>: a folder to and from an mbox file (mboxrd), for backups and for users leaving.</summary>
internal static class MboxCommands
{
    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var mbox = new Command("mbox", "Export a folder to an mbox file, or import an mbox file into a folder");
        mbox.Subcommands.Add(Export(global, console));
        mbox.Subcommands.Add(Import(global, console));
        return mbox;
    }

    public static Option<string?> MailRootOption() => new("--mail-root") { Description = "The mail root (default: Facteur:MailRoot)" };

    /// <summary>The mail root: the option, else Facteur:MailRoot, else the services' default.</summary>
    public static string MailRoot(GlobalOptions global, ParseResult result, CliConsole console, Option<string?> option)
    {
        var settings = global.Settings(result, console);
        var configured = result.GetValue(option) ?? settings.Configuration["Facteur:MailRoot"] ?? "/var/mail/facteur";
        return Path.GetFullPath(configured, console.WorkingDirectory);
    }

    private static Command Export(GlobalOptions global, CliConsole console)
    {
        var user = new Argument<string>("user") { Description = "user@domain" };
        var folder = new Option<string>("--folder") { Description = "The folder (default INBOX; '.' separates levels: Work.Projects)", DefaultValueFactory = _ => "INBOX" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output" };
        var mailRoot = MailRootOption();
        var command = new Command("export", "Write a folder as an mbox (to standard output unless --output)") { user, folder, output, mailRoot };
        command.SetAction((result, cancellationToken) => Run(async () =>
        {
            var target = OpenFolder(MailRoot(global, result, console, mailRoot), result.GetValue(user)!, result.GetValue(folder)!);
            var path = result.GetValue(output);
            await using var stream = path is null ? Console.OpenStandardOutput() : new FileStream(Path.GetFullPath(path, console.WorkingDirectory), FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024);
            var (messages, bytes) = await MboxExport.ExportAsync(target, stream, cancellationToken).ConfigureAwait(false);
            console.Error.WriteLine($"exported {messages} messages ({bytes} bytes)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import(GlobalOptions global, CliConsole console)
    {
        var user = new Argument<string>("user") { Description = "user@domain" };
        var file = new Argument<string>("file") { Description = "The mbox file ('-' for standard input)" };
        var folder = new Option<string>("--folder") { Description = "The folder to import into, created if needed (default INBOX)", DefaultValueFactory = _ => "INBOX" };
        var mailRoot = MailRootOption();
        var command = new Command("import", "Add the messages of an mbox file to a folder (messages already there are skipped)") { user, file, folder, mailRoot };
        command.SetAction((result, cancellationToken) => Run(async () =>
        {
            var folderName = result.GetValue(folder)!;
            var maildir = OpenMaildir(MailRoot(global, result, console, mailRoot), result.GetValue(user)!);
            var target = FolderOf(maildir, folderName);
            var path = result.GetValue(file)!;
            await using var stream = path == "-" ? Console.OpenStandardInput() : OpenInput(Path.GetFullPath(path, console.WorkingDirectory));
            maildir.Inbox.EnsureCreated();
            var imported = await new MboxImport(target).ImportAsync(stream, cancellationToken).ConfigureAwait(false);
            if (!folderName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
            {
                MaildirFolderFiles.MarkAsFolder(target.Path);
                MaildirFolderFiles.Subscribe(maildir.Path, [folderName]);
            }

            console.Out.WriteLine($"imported {imported.Imported} messages ({imported.Bytes} bytes) into {folderName}, {imported.AlreadyPresent} already there, {imported.FlagsUpdated} with new flags");
            if (imported.SkippedLeadingBytes > 0)
            {
                console.Error.WriteLine($"warning: {imported.SkippedLeadingBytes} bytes before the first 'From ' line were skipped (is {path} an mbox?)");
            }

            if (imported.KeywordsDropped > 0)
            {
                console.Error.WriteLine($"warning: {imported.KeywordsDropped} keywords dropped: a Maildir folder holds at most 26");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static FileStream OpenInput(string path) =>
        File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan)
        : throw new CommandFailedException($"{path} does not exist");

    private static UserMaildir OpenMaildir(string mailRoot, string user)
    {
        try
        {
            return UserMaildir.Open(mailRoot, user);
        }
        catch (ArgumentException exception)
        {
            throw new CommandFailedException($"{user}: {exception.Message}");
        }
    }

    private static MaildirFolder FolderOf(UserMaildir maildir, string folder)
    {
        try
        {
            return maildir.Folder(folder);
        }
        catch (ArgumentException exception)
        {
            throw new CommandFailedException($"folder {folder}: {exception.Message}");
        }
    }

    private static MaildirFolder OpenFolder(string mailRoot, string user, string folder) => FolderOf(OpenMaildir(mailRoot, user), folder);

    private static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new CommandFailedException(exception.Message);
        }
    }
}
