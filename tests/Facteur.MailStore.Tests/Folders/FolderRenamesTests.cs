using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Tests.Folders;

public class FolderRenamesTests
{
    [Fact]
    public void Renames_within_cur_and_from_new_into_cur_by_name()
    {
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        var @new = Directory.CreateDirectory(Path.Combine(root.Path, "new")).FullName;
        File.WriteAllText(Path.Combine(cur, "1.a:2,S"), "one");
        File.WriteAllText(Path.Combine(@new, "2.b"), "two");

        using (var renames = new FolderRenames(root.Path))
        {
            Assert.Equal(RenameOutcome.Renamed, renames.Rename(fromNew: false, "1.a:2,S", "1.a:2,FS"));
            Assert.Equal(RenameOutcome.Renamed, renames.Rename(fromNew: true, "2.b", "2.b:2,F"));
        }

        Assert.Equal("one", File.ReadAllText(Path.Combine(cur, "1.a:2,FS")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(cur, "2.b:2,F")));
        Assert.False(File.Exists(Path.Combine(cur, "1.a:2,S")));
        Assert.Empty(Directory.GetFiles(@new));
    }

    [Fact]
    public void Reports_a_missing_source_and_never_replaces_an_existing_name()
    {
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        File.WriteAllText(Path.Combine(cur, "1.a:2,S"), "one");
        File.WriteAllText(Path.Combine(cur, "1.a:2,FS"), "other");

        using var renames = new FolderRenames(root.Path);

        Assert.Equal(RenameOutcome.SourceMissing, renames.Rename(fromNew: false, "9.z:2,S", "9.z:2,FS"));
        Assert.Equal(RenameOutcome.TargetExists, renames.Rename(fromNew: false, "1.a:2,S", "1.a:2,FS"));
        Assert.Equal("one", File.ReadAllText(Path.Combine(cur, "1.a:2,S")));
        Assert.Equal("other", File.ReadAllText(Path.Combine(cur, "1.a:2,FS")));
    }

    [Fact]
    public void A_folder_without_new_reports_its_message_missing()
    {
        using var root = new TempMailRoot();
        Directory.CreateDirectory(Path.Combine(root.Path, "cur"));

        using var renames = new FolderRenames(root.Path);

        Assert.Equal(RenameOutcome.SourceMissing, renames.Rename(fromNew: true, "2.b", "2.b:2,F"));
    }

    [Fact]
    public void A_rename_the_kernel_refuses_leaves_the_message_under_its_old_name_only()
    {
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        var old = Path.Combine(cur, "1.a:2,S");
        File.WriteAllText(old, "one");
        Chattr.Set("+i", old);
        try
        {
            using var renames = new FolderRenames(root.Path);
            Assert.ThrowsAny<Exception>(() => renames.Rename(fromNew: false, "1.a:2,S", "1.a:2,FS"));
        }
        finally
        {
            Chattr.Set("-i", old);
        }

        Assert.Equal(["1.a:2,S"], Directory.GetFiles(cur).Select(Path.GetFileName));
    }
}
