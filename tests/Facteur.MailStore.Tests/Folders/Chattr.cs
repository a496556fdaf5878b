using System.Diagnostics;

namespace Facteur.MailStore.Tests.Folders;

/// <summary>
/// chattr(1) from e2fsprogs (in every Debian install): an immutable file (+i) cannot be renamed, linked
/// away or unlinked, even by root — the one way a test running as root makes the kernel refuse a rename.
/// </summary>
internal static class Chattr
{
    public static void Set(string change, string path)
    {
        var start = new ProcessStartInfo("chattr", [change, path]) { RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chattr {change} {path}: {error}");
    }
}
