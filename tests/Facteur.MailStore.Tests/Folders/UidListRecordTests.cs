using Facteur.MailStore.Folders;
using Xunit;

namespace Facteur.MailStore.Tests.Folders;

/// <summary>
/// A uidlist record made from a listed file name (a first sync's) holds its key as the start of that name until asked
/// for it as a string: it writes, compares and hashes as the record made with the key would.
/// </summary>
public sealed class UidListRecordTests
{
    private const string Key = "1700000000.M5P7Q1.host,S=2048,W=2100";

    [Fact]
    public void A_record_of_a_name_is_its_key_before_the_info_and_equals_the_record_made_with_that_key()
    {
        var name = Key + ":2,FS";
        var ofName = UidListRecord.OfName(7, name, Key.Length);
        var withKey = new UidListRecord(7, Key, []);

        Assert.Null(ofName.KnownKey); // nothing cut yet
        Assert.Equal(Key, ofName.KeySpan.ToString());
        Assert.Equal(withKey, ofName);
        Assert.Equal(withKey.GetHashCode(), ofName.GetHashCode());
        Assert.NotEqual(new UidListRecord(8, Key, []), ofName);
        Assert.NotEqual(new UidListRecord(7, Key + "x", []), ofName);

        Assert.Equal(Key, ofName.Key);
        Assert.Same(ofName.Key, ofName.KnownKey); // cut once, then kept
    }

    [Fact]
    public void A_name_without_info_is_its_own_key()
    {
        var ofName = UidListRecord.OfName(1, Key, Key.Length);

        Assert.Same(Key, ofName.Key);
    }

    [Fact]
    public void A_document_writes_and_appends_a_record_of_a_name_as_its_key_alone()
    {
        var document = UidListDocument.CreateNew(DateTimeOffset.UnixEpoch);
        document.Records.Add(UidListRecord.OfName(1, Key + ":2,S", Key.Length));
        document.Records.Add(new UidListRecord(2, "1700000001.M6P7Q1.host", ["W300"]));
        using var writer = new StringWriter();
        document.WriteTo(writer);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1 :" + Key, "2 W300 :1700000001.M6P7Q1.host"], lines[1..]);
        var read = UidListDocument.Parse(new StringReader(writer.ToString()));
        Assert.Equal(Key, read.Records[0].Key);

        var path = Path.Combine(Path.GetTempPath(), $"facteur-uidlist-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(path, writer.ToString());
            UidListDocument.AppendTo(path, [UidListRecord.OfName(3, "1700000002.M7P7Q1.host:2,", "1700000002.M7P7Q1.host".Length)]);
            Assert.EndsWith("\n3 :1700000002.M7P7Q1.host\n", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
