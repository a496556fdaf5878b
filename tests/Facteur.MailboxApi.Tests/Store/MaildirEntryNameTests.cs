using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Store;

public sealed class MaildirEntryNameTests
{
    [Theory]
    [InlineData("1491941793.M41850P8566.mx,S=10956:2,STln", "1491941793.M41850P8566.mx,S=10956", MaildirFlags.Seen | MaildirFlags.Trashed, "ln", 10956L, null)]
    [InlineData("1.M2P3.h,S=10,W=12", "1.M2P3.h,S=10,W=12", MaildirFlags.None, "", 10L, 12L)]
    [InlineData("1.M2P3.h,S=10,W=12:2,", "1.M2P3.h,S=10,W=12", MaildirFlags.None, "", 10L, 12L)]
    [InlineData("1.M2P3.h:2,DFPRS", "1.M2P3.h", MaildirFlags.Draft | MaildirFlags.Flagged | MaildirFlags.Passed | MaildirFlags.Replied | MaildirFlags.Seen, "", null, null)]
    public void File_names_split_into_key_flags_keywords_and_sizes(string fileName, string key, MaildirFlags flags, string keywords, long? size, long? vsize)
    {
        var name = MaildirEntryName.Parse(fileName);
        Assert.Equal(key, name.Key);
        Assert.Equal(flags, name.Flags);
        Assert.Equal(keywords, name.Keywords);
        Assert.Equal(size, name.Size);
        Assert.Equal(vsize, name.VirtualSize);
    }

    [Fact]
    public void Info_is_written_with_flags_in_ascii_order_then_keyword_letters()
    {
        var name = MaildirEntryName.Parse("1.M2P3.h,S=1");
        Assert.Equal("1.M2P3.h,S=1:2,FRSab", name.WithInfo(MaildirFlags.Seen | MaildirFlags.Replied | MaildirFlags.Flagged, "ba"));
    }
}
