using System.Globalization;

namespace Facteur.Cli.Migration;

/// <summary>Counts for one user, and the things skipped with the reason, printed as the closing table.</summary>
internal sealed class UserReport(string user)
{
    public string User { get; } = user;

    public int Folders { get; set; }

    public int Messages { get; set; }

    public int AlreadyPresent { get; set; }

    public int FlagsUpdated { get; set; }

    public long Bytes { get; set; }

    public List<string> Skipped { get; } = [];
}

/// <summary>The whole run: one <see cref="UserReport"/> per user and the account and alias lines.</summary>
internal sealed class MigrationReport
{
    public List<UserReport> Users { get; } = [];

    public List<string> Skipped { get; } = [];

    public int AccountsWritten { get; set; }

    public int AliasesWritten { get; set; }

    public void WriteTable(TextWriter output, bool dryRun)
    {
        output.WriteLine();
        output.WriteLine(dryRun ? "Would migrate (dry run, nothing written):" : "Migrated:");
        var header = new[] { "user", "folders", "messages", "already there", "flags updated", "bytes" };
        var rows = Users.Select(u => new[]
        {
            u.User,
            u.Folders.ToString(CultureInfo.InvariantCulture),
            u.Messages.ToString(CultureInfo.InvariantCulture),
            u.AlreadyPresent.ToString(CultureInfo.InvariantCulture),
            u.FlagsUpdated.ToString(CultureInfo.InvariantCulture),
            FormatBytes(u.Bytes),
        }).ToList();
        rows.Add(
        [
            "total",
            Users.Sum(u => u.Folders).ToString(CultureInfo.InvariantCulture),
            Users.Sum(u => u.Messages).ToString(CultureInfo.InvariantCulture),
            Users.Sum(u => u.AlreadyPresent).ToString(CultureInfo.InvariantCulture),
            Users.Sum(u => u.FlagsUpdated).ToString(CultureInfo.InvariantCulture),
            FormatBytes(Users.Sum(u => u.Bytes)),
        ]);
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        void Row(string[] cells) => output.WriteLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Row(header);
        Row(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in rows)
        {
            Row(row);
        }

        output.WriteLine($"accounts: {AccountsWritten} written; aliases: {AliasesWritten} written");
        var skipped = Users.SelectMany(u => u.Skipped.Select(s => $"{u.User}: {s}")).Concat(Skipped).ToList();
        output.WriteLine($"skipped: {skipped.Count}");
        foreach (var line in skipped)
        {
            output.WriteLine($"  {line}");
        }
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };
}
