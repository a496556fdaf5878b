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

    [Theory]
    [InlineData("1491941793.M41850P8566.mx,S=10956:2,STln", MaildirFlags.Seen | MaildirFlags.Trashed)]
    [InlineData("1.M2P3.h,S=10,W=12", MaildirFlags.None)]
    [InlineData("1.M2P3.h,S=10,W=12:2,", MaildirFlags.None)]
    [InlineData("1.M2P3.h:2,DFPRS", MaildirFlags.Draft | MaildirFlags.Flagged | MaildirFlags.Passed | MaildirFlags.Replied | MaildirFlags.Seen)]
    [InlineData("1.M2P3.h:2,abt", MaildirFlags.None)] // keyword letters are lower case: t is a keyword, not \Deleted
    [InlineData("1.M2P3.h:1,T", MaildirFlags.None)] // experimental info (":1,") carries no flags
    public void Flags_alone_are_read_as_parse_reads_them(string fileName, MaildirFlags flags)
    {
        Assert.Equal(flags, MaildirInfo.Parse(fileName, out _).Flags);
        Assert.Equal(MaildirEntryName.Parse(fileName).Flags, MaildirInfo.Parse(fileName, out _).Flags);
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
