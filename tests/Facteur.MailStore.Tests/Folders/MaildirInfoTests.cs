using Facteur.MailStore.Folders;

namespace Facteur.MailStore.Tests.Folders;

public class MaildirInfoTests
{
    [Theory]
    [InlineData("1.M2P3.h,S=10:2,")]
    [InlineData("1.M2P3.h,S=10:2,S")]
    [InlineData("1.M2P3.h,S=10:2,FRS")]
    [InlineData("1.M2P3.h,S=10:2,SRFba")]
    [InlineData("1.M2P3.h,S=10:2,DFPRSTabz")]
    [InlineData("1.M2P3.h,S=10:2,Sxx9Q")]
    [InlineData("1.M2P3.h,S=10")]
    [InlineData("1.M2P3.h,S=10:1,S")]
    [InlineData("1.M2P3.h:odd:2,S")]
    public void Reads_a_name_as_the_full_parse_does_and_writes_it_as_WithInfo_does(string fileName)
    {
        var parsed = MaildirEntryName.Parse(fileName);

        var info = MaildirInfo.Parse(fileName, out var keyLength);

        Assert.Equal(parsed.Key, fileName[..keyLength]);
        Assert.Equal(parsed.Flags, info.Flags);
        Assert.Equal(MaildirInfo.LetterSet(parsed.Keywords), info.Keywords);
        Assert.Equal(parsed.WithInfo(parsed.Flags, parsed.Keywords), info.FileName(fileName, keyLength));
    }

    [Fact]
    public void A_name_already_in_order_comes_back_as_the_same_string()
    {
        const string fileName = "1.M2P3.h,S=10:2,FSab";
        var info = MaildirInfo.Parse(fileName, out var keyLength);

        Assert.Same(fileName, info.FileName(fileName, keyLength));
    }

    [Fact]
    public void A_changed_info_replaces_only_what_follows_the_key()
    {
        const string fileName = "1.M2P3.h,S=10,W=12:2,S";
        var info = MaildirInfo.Parse(fileName, out var keyLength);

        var flagged = info with { Flags = info.Flags | MaildirFlags.Flagged, Keywords = info.Keywords | MaildirInfo.LetterSet("ca") };

        Assert.Equal("1.M2P3.h,S=10,W=12:2,FSac", flagged.FileName(fileName, keyLength));
        Assert.Equal("1.M2P3.h,S=10,W=12:2,", new MaildirInfo(MaildirFlags.None, 0).FileName(fileName, keyLength));
    }
}
