using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Facteur.Cli.Files;
using Facteur.Cli.Mbox;
using Facteur.MailStore.Folders;

namespace Facteur.Cli.Migration;

/// <summary>What <c>facteur migrate from-host</c> was asked to do.</summary>
internal sealed record HostMigrationRequest(
    string Root,
    string Domain,
    IReadOnlyList<string>? Users,
    bool AllUsers,
    bool DryRun,
    string MailRoot,
    string AccountsFile,
    string AliasesFile);

/// <summary>
/// Moves one Postfix + Dovecot host onto Facteur: per user the Maildir++ tree (<see cref="MaildirTreeCopy"/>),
/// the mbox maildrop and mbox folders (<see cref="MboxImport"/>), the subscriptions; then the accounts file
/// (shadow hashes as <c>{CRYPT}</c>) and the aliases file. Every step skips what is already there, so the
/// command can be run again for the mail that arrived meanwhile.
/// </summary>
internal sealed class HostMigration(HostMigrationRequest request, CliConsole console)
{
    private const UnixFileMode AccountsFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private const UnixFileMode AliasesFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public async Task<MigrationReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new MigrationReport();
        var users = SelectUsers(report);
        foreach (var user in users)
        {
            cancellationToken.ThrowIfCancellationRequested();
            report.Users.Add(await MigrateMailAsync(user, cancellationToken).ConfigureAwait(false));
        }

        WriteAccounts(users, report);
        WriteAliases(report);
        return report;
    }

    private List<HostUser> SelectUsers(MigrationReport report)
    {
        var all = SystemUsers.Read(request.Root);
        if (request.Users is { } named)
        {
            var selected = new List<HostUser>();
            foreach (var name in named)
            {
                var user = all.FirstOrDefault(u => u.Name == name);
                if (user is null)
                {
                    report.Skipped.Add($"{name}: not in etc/passwd");
                }
                else
                {
                    selected.Add(user);
                }
            }

            return selected;
        }

        var people = new List<HostUser>();
        foreach (var user in all)
        {
            if (user.Uid < SystemUsers.FirstUserUid || user.Uid == SystemUsers.NobodyUid)
            {
                continue; // system accounts: never people with mail
            }

            if (!user.HasRealPassword)
            {
                report.Skipped.Add($"{user.Name}: no usable password in etc/shadow (locked or empty); name it with --users to migrate its mail");
                continue;
            }

            people.Add(user);
        }

        return people;
    }

    private async Task<UserReport> MigrateMailAsync(HostUser user, CancellationToken cancellationToken)
    {
        var address = $"{user.Name}@{request.Domain}";
        var report = new UserReport(address);
        UserMaildir destination;
        try
        {
            destination = UserMaildir.Open(request.MailRoot, address);
        }
        catch (ArgumentException exception)
        {
            report.Skipped.Add(exception.Message);
            return report;
        }

        var home = SystemUsers.UnderRoot(request.Root, user.Home);
        var maildir = Path.Combine(home, "Maildir");
        var spool = SystemUsers.UnderRoot(request.Root, Path.Combine("/var/mail", user.Name));
        var mboxFolders = Path.Combine(home, "mail");

        var maildirFolders = Directory.Exists(maildir) ? MaildirTreeCopy.Folders(maildir) : [];
        var mboxes = MboxFolders(mboxFolders);
        if (File.Exists(spool) && new FileInfo(spool).Length > 0)
        {
            mboxes.Insert(0, ("INBOX", spool));
        }

        var total = maildirFolders.Sum(f => MaildirTreeCopy.Size(f.Path)) + mboxes.Sum(m => new FileInfo(m.Path).Length);
        if (maildirFolders.Count == 0 && mboxes.Count == 0)
        {
            report.Skipped.Add("no mail (no ~/Maildir, no /var/mail/" + user.Name + ", no ~/mail)");
        }

        var progress = new ProgressBar(console.Error, ProgressBar.StandardErrorIsTerminal(console), user.Name, total);
        var copy = new MaildirTreeCopy(request.DryRun, progress.Add);
        var subscribe = new List<string>();
        foreach (var (name, path) in maildirFolders)
        {
            if (!TryFolder(destination, name, report, out var folder))
            {
                continue;
            }

            await copy.CopyFolderAsync(path, name, folder, report, cancellationToken).ConfigureAwait(false);
            report.Folders++;
            if (request.DryRun)
            {
                console.Out.WriteLine($"{address}: Maildir folder {name}: {MigrationReport.FormatBytes(MaildirTreeCopy.Size(path))}");
            }
        }

        foreach (var (name, path) in mboxes)
        {
            if (!TryFolder(destination, name, report, out var folder))
            {
                continue;
            }

            MboxImportResult result;
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.SequentialScan))
            {
                if (!request.DryRun)
                {
                    destination.Inbox.EnsureCreated();
                }

                result = await new MboxImport(folder, request.DryRun) { Progress = progress.Add, UnquoteFromLines = false }.ImportAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            report.Folders++;
            report.Messages += result.Imported;
            report.AlreadyPresent += result.AlreadyPresent;
            report.FlagsUpdated += result.FlagsUpdated;
            report.Bytes += result.Bytes;
            if (result.SkippedLeadingBytes > 0)
            {
                report.Skipped.Add($"{path}: {result.SkippedLeadingBytes} bytes before the first 'From ' line (not an mbox?)");
            }

            if (result.KeywordsDropped > 0)
            {
                report.Skipped.Add($"{name}: {result.KeywordsDropped} keywords beyond the 26 a Maildir folder holds");
            }

            if (name != "INBOX")
            {
                subscribe.Add(name);
                if (!request.DryRun)
                {
                    MaildirFolderFiles.MarkAsFolder(folder.Path);
                }
            }

            if (request.DryRun)
            {
                console.Out.WriteLine($"{address}: mbox {path} -> {name}: {result.Imported} messages, {MigrationReport.FormatBytes(result.Bytes)}");
            }
        }

        progress.Finish();
        if (!request.DryRun)
        {
            // Dovecot's Maildir subscriptions file as it is, then the mbox one (~/mail/.subscriptions) and the
            // mbox folders found, merged in.
            if (maildirFolders.Count > 0 || mboxes.Count > 0)
            {
                destination.Inbox.EnsureCreated();
                MaildirFolderFiles.CopyIfAbsent(maildir, destination.Path);
                subscribe.InsertRange(0, MaildirFolderFiles.ReadSubscriptions(maildir));
                subscribe.AddRange(MaildirFolderFiles.ReadSubscriptions(mboxFolders, ".subscriptions").Select(l => l.Replace('/', '.')));
                MaildirFolderFiles.Subscribe(destination.Path, subscribe);
            }
        }

        return report;
    }

    private static bool TryFolder(UserMaildir maildir, string name, UserReport report, out MaildirFolder folder)
    {
        try
        {
            folder = maildir.Folder(name);
            return true;
        }
        catch (ArgumentException exception)
        {
            report.Skipped.Add($"folder {name}: {exception.Message}");
            folder = null!;
            return false;
        }
    }

    /// <summary>mbox folders under ~/mail (Dovecot's <c>mbox:~/mail:INBOX=/var/mail/%u</c>): a file Work/Projects is the folder Work.Projects.</summary>
    private static List<(string Name, string Path)> MboxFolders(string directory)
    {
        var folders = new List<(string, string)>();
        if (!Directory.Exists(directory))
        {
            return folders;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, file);
            // Dot files and folders are Dovecot's and UW-IMAP's bookkeeping (.imap/ indexes, .subscriptions).
            if (relative.Split('/').Any(part => part.StartsWith('.')) || Path.GetFileName(file).StartsWith("dovecot", StringComparison.Ordinal))
            {
                continue;
            }

            var name = relative.Replace('/', '.');
            folders.Add((name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : name, file));
        }

        return folders;
    }

    private void WriteAccounts(List<HostUser> users, MigrationReport report)
    {
        var wanted = new List<(string Address, string Field)>();
        foreach (var user in users)
        {
            if (!user.HasRealPassword)
            {
                report.Skipped.Add($"{user.Name}@{request.Domain}: no account written (no usable password in etc/shadow)");
                continue;
            }

            wanted.Add(($"{user.Name}@{request.Domain}", "{CRYPT}" + user.Hash));
        }

        if (wanted.Count == 0)
        {
            return;
        }

        int Edit(List<string> lines)
        {
            var written = 0;
            foreach (var (address, field) in wanted)
            {
                var index = lines.FindIndex(l => string.Equals(PasswdFile.UserField(l), address, StringComparison.OrdinalIgnoreCase));
                var line = $"{address}:{field}:::::";
                if (index < 0)
                {
                    lines.Add(line);
                    written++;
                    if (request.DryRun)
                    {
                        console.Out.WriteLine($"account {address} ({field[..Math.Min(field.Length, 12)]}…)");
                    }

                    continue;
                }

                var current = lines[index].Split(':');
                if (current.Length > 1 && current[1] == field)
                {
                    continue; // already migrated
                }

                if (current.Length > 1 && current[1].StartsWith("{CRYPT}", StringComparison.Ordinal))
                {
                    lines[index] = line; // the password was changed on the old server since the last run
                    written++;
                    continue;
                }

                report.Skipped.Add($"{address}: account exists with a password set in Facteur; left as it is");
            }

            return written;
        }

        report.AccountsWritten = request.DryRun
            ? Edit(LockedTextFile.ReadLines(request.AccountsFile))
            : LockedTextFile.Update(request.AccountsFile, AccountsFileMode, Edit);
    }

    private void WriteAliases(MigrationReport report)
    {
        var converted = SystemAliases.Convert(request.Root, request.Domain, report.Skipped);
        if (converted.Count == 0)
        {
            return;
        }

        int Edit(List<string> lines)
        {
            var written = 0;
            var existing = VirtualAliasFile.Parse(lines);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (pattern, targets) in converted)
            {
                var key = VirtualAliasFile.PatternKey(pattern);
                if (key is null)
                {
                    report.Skipped.Add($"alias {pattern}: not a valid address");
                    continue;
                }

                if (!seen.Add(key))
                {
                    report.Skipped.Add($"alias {pattern}: defined twice on the old server; the first one is kept");
                    continue;
                }

                if (existing.Find(key) is { } there)
                {
                    if (!there.Targets.SequenceEqual(targets, StringComparer.OrdinalIgnoreCase))
                    {
                        report.Skipped.Add($"alias {pattern}: already in the aliases file with other targets; left as it is");
                    }

                    continue;
                }

                var line = $"{pattern}  {string.Join(", ", targets)}";
                lines.Add(line);
                written++;
                if (request.DryRun)
                {
                    console.Out.WriteLine($"alias {line}");
                }
            }

            return written;
        }

        report.AliasesWritten = request.DryRun
            ? Edit(LockedTextFile.ReadLines(request.AliasesFile))
            : LockedTextFile.Update(request.AliasesFile, AliasesFileMode, Edit);
    }
}
