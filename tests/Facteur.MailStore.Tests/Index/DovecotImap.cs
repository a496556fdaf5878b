using System.Diagnostics;
using System.Text;

namespace Facteur.MailStore.Tests.Index;

/// <summary>
/// Debian's Dovecot IMAP binary run in PREAUTH mode on a Maildir (no daemon, no network): a script
/// of commands in, the responses out. Dovecot refuses to access mail as root, so it runs as nobody
/// (uid 65534) and the tree is made world-writable first.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class DovecotImap
{
    public const string Binary = "/usr/lib/dovecot/imap";

    public static async Task<string> RunAsync(string maildir, string commands)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install dovecot-imapd (test.sh does).");
        OpenUp(maildir);
        var home = Path.Combine(Path.GetTempPath(), "facteur-dovecot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        try
        {
            var config = Path.Combine(home, "dovecot.conf");
            await File.WriteAllTextAsync(config, $"""
                mail_location = maildir:{maildir}
                mail_uid = 65534
                mail_gid = 65534
                first_valid_uid = 1
                first_valid_gid = 1
                ssl = no
                log_path = /dev/stderr
                """);
            File.SetUnixFileMode(home, (UnixFileMode)0x1ff);
            var start = new ProcessStartInfo(Binary, ["-c", config])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["USER"] = "test";
            start.Environment["HOME"] = home;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(commands));
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            var text = await output;
            Assert.True(process.ExitCode == 0, $"dovecot imap exited {process.ExitCode}: {await error}\n{text}");
            OpenUp(maildir);
            return text;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>Makes every file and directory readable and writable by anyone (Dovecot runs as nobody, the tests as root).</summary>
    public static void OpenUp(string path)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0x1ff);
        foreach (var directory in Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0x1ff);
        }

        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0x1b6);
        }

        for (var parent = Path.GetDirectoryName(path); parent is not null && parent != Path.GetTempPath().TrimEnd('/'); parent = Path.GetDirectoryName(parent))
        {
            File.SetUnixFileMode(parent, File.GetUnixFileMode(parent) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        }
    }

    /// <summary>An APPEND command with a LITERAL+ literal.</summary>
    public static string Append(string tag, string folder, string flags, string message, string? date = null) =>
        $"{tag} APPEND {folder} ({flags}){(date is null ? string.Empty : $" \"{date}\"")} {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}\r\n";
}
