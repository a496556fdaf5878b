namespace Facteur.MailStore.Tests;

public class MaildirTmpSweepTests
{
    private static readonly DateTime Now = DateTime.UtcNow;

    [Fact]
    public void Files_in_tmp_older_than_the_limit_are_deleted_in_the_inbox_and_in_every_folder()
    {
        using var root = new TempMailRoot();
        var inboxOld = Write(root, "esp.sn/alice/tmp/1.M1P9Q1.mx", Now.AddHours(-37));
        var sentOld = Write(root, "esp.sn/alice/.Sent/tmp/2.M2P9Q2.mx", Now.AddHours(-40));
        var otherUserOld = Write(root, "example.org/bob/.Work.Projects/tmp/3.M3P9Q3.mx", Now.AddDays(-10));

        var swept = MaildirTmpSweep.Sweep(root.Path, Now.AddHours(-36));

        Assert.Equal(3, swept);
        Assert.False(File.Exists(inboxOld));
        Assert.False(File.Exists(sentOld));
        Assert.False(File.Exists(otherUserOld));
        Assert.True(Directory.Exists(Path.Combine(root.Path, "esp.sn/alice/tmp")));
    }

    [Fact]
    public void Young_tmp_files_and_messages_in_new_and_cur_stay_whatever_their_age()
    {
        using var root = new TempMailRoot();
        var young = Write(root, "esp.sn/alice/tmp/4.M4P9Q4.mx", Now.AddHours(-35));
        var oldNew = Write(root, "esp.sn/alice/new/5.M5P9Q5.mx,S=10", Now.AddDays(-400));
        var oldCur = Write(root, "esp.sn/alice/cur/6.M6P9Q6.mx,S=10:2,S", Now.AddDays(-400));
        var oldFolderCur = Write(root, "esp.sn/alice/.Archive/cur/7.M7P9Q7.mx,S=10:2,", Now.AddDays(-400));
        var uidlist = Write(root, "esp.sn/alice/dovecot-uidlist", Now.AddDays(-400));

        var swept = MaildirTmpSweep.Sweep(root.Path, Now.AddHours(-36));

        Assert.Equal(0, swept);
        Assert.All(new[] { young, oldNew, oldCur, oldFolderCur, uidlist }, path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void A_symbolic_link_under_the_mail_root_is_not_followed()
    {
        using var root = new TempMailRoot();
        using var outside = new TempMailRoot();
        var elsewhere = Write(outside, "tmp/8.M8P9Q8.mx", Now.AddDays(-3));
        Directory.CreateDirectory(Path.Combine(root.Path, "esp.sn"));
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "esp.sn", "linked"), outside.Path);

        var swept = MaildirTmpSweep.Sweep(root.Path, Now.AddHours(-36));

        Assert.Equal(0, swept);
        Assert.True(File.Exists(elsewhere));
    }

    [Fact]
    public void A_missing_mail_root_sweeps_nothing()
    {
        Assert.Equal(0, MaildirTmpSweep.Sweep(Path.Combine(Path.GetTempPath(), "facteur-absent-" + Guid.NewGuid().ToString("N")), Now));
    }

    private static string Write(TempMailRoot root, string relative, DateTime lastWriteUtc)
    {
        var path = Path.Combine(root.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "Subject: x\r\n\r\n");
        File.SetLastWriteTimeUtc(path, lastWriteUtc);
        return path;
    }
}
