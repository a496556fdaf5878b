using System.Text;
using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Tests.Folders;

public class DirectoryListingTests
{
    [Fact]
    public void Lists_files_only_without_dot_files_directories_or_links_to_directories()
    {
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        File.WriteAllText(Path.Combine(cur, "1.a:2,S"), "one");
        File.WriteAllText(Path.Combine(cur, "2.b"), "two");
        File.WriteAllText(Path.Combine(cur, ".hidden"), "not mail");
        Directory.CreateDirectory(Path.Combine(cur, "sub"));
        File.CreateSymbolicLink(Path.Combine(cur, "3.link:2,"), Path.Combine(cur, "2.b"));
        Directory.CreateSymbolicLink(Path.Combine(cur, "dirlink"), Path.Combine(cur, "sub"));

        using var listing = DirectoryListing.Read(cur);

        Assert.Equal(3, listing.Count);
        Assert.Equal(["1.a:2,S", "2.b", "3.link:2,"], listing.ToStrings().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_directory_or_a_file_in_its_place_lists_nothing()
    {
        using var root = new TempMailRoot();
        File.WriteAllText(Path.Combine(root.Path, "file"), "x");

        using var missing = DirectoryListing.Read(Path.Combine(root.Path, "absent"));
        using var notDirectory = DirectoryListing.Read(Path.Combine(root.Path, "file"));

        Assert.Equal(0, missing.Count);
        Assert.Empty(missing.ToStrings());
        Assert.Equal(0, notDirectory.Count);
    }

    [Fact]
    public void Lists_every_name_of_a_directory_larger_than_one_read_with_their_exact_utf8_bytes()
    {
        // 3,000 names of ≈ 80 bytes: ≈ 300 KB of directory entries, several getdents64 reads of 64 KiB.
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        var expected = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var name = $"{1790000000 + i}.M{i}P4242Q{i}.host-with-a-long-name.example,S={2000 + i}:2,S";
            expected.Add(name);
            File.WriteAllBytes(Path.Combine(cur, name), []);
        }

        const string Accented = "1790009999.M1P1.hôte-é,S=1:2,";
        expected.Add(Accented);
        File.WriteAllBytes(Path.Combine(cur, Accented), []);

        using var listing = DirectoryListing.Read(cur);

        Assert.Equal(expected.Count, listing.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), listing.ToStrings().Order(StringComparer.Ordinal));
        var accented = false;
        foreach (var name in listing)
        {
            accented |= name.SequenceEqual(Encoding.UTF8.GetBytes(Accented));
        }

        Assert.True(accented);
    }

    [Fact]
    public void Finds_a_file_by_its_whole_maildir_key_only()
    {
        using var root = new TempMailRoot();
        var cur = Directory.CreateDirectory(Path.Combine(root.Path, "cur")).FullName;
        File.WriteAllText(Path.Combine(cur, "1.ab:2,S"), "longer key");
        File.WriteAllText(Path.Combine(cur, "1.a:2,FS"), "one");
        File.WriteAllText(Path.Combine(cur, "2.b"), "two");

        Assert.Equal("1.a:2,FS", DirectoryListing.FindByKey(cur, "1.a"));
        Assert.Equal("1.ab:2,S", DirectoryListing.FindByKey(cur, "1.ab"));
        Assert.Equal("2.b", DirectoryListing.FindByKey(cur, "2.b"));
        Assert.Null(DirectoryListing.FindByKey(cur, "2"));
        Assert.Null(DirectoryListing.FindByKey(cur, "3.c"));
        Assert.Null(DirectoryListing.FindByKey(Path.Combine(root.Path, "absent"), "1.a"));
    }
}
