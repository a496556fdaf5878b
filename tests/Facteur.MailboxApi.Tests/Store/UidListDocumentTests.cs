using Facteur.MailStore.Folders;

namespace Facteur.MailboxApi.Tests.Store;

public sealed class UidListDocumentTests
{
    // The shape Dovecot 2.3 writes: header with V/N/G, records with optional extensions, ':' before the name.
    private const string DovecotWritten =
        "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n" +
        "25017 :1275660208.M47287P18428.mx.example.org,S=1234,W=1260\n" +
        "25018 W2048 :1275660301.M1P2.mx.example.org,S=2000\n" +
        "25021 G6fa07f2a5b2ad04c2b050000ac7c4e7b W77 :1275660999.M5P6.mx.example.org\n";

    [Fact]
    public void Dovecot_written_uidlist_parses_header_records_and_extensions()
    {
        var document = UidListDocument.Parse(new StringReader(DovecotWritten));
        Assert.Equal(1275660208u, document.UidValidity);
        Assert.Equal(25022u, document.NextUid);
        Assert.Equal("3085f01b7f11094c501100008c4a11c1", document.Guid);
        Assert.Equal([25017u, 25018u, 25021u], document.Records.Select(r => r.Uid));
        Assert.Equal("1275660208.M47287P18428.mx.example.org,S=1234,W=1260", document.Records[0].Key);
        Assert.Equal("2048", document.Records[1].Extension('W'));
        Assert.Equal("77", document.Records[2].Extension('W'));
        Assert.Equal("6fa07f2a5b2ad04c2b050000ac7c4e7b", document.Records[2].Extension('G'));
        Assert.Null(document.Records[0].Extension('W'));
    }

    [Fact]
    public void Writing_a_parsed_dovecot_uidlist_gives_back_the_same_bytes()
    {
        var document = UidListDocument.Parse(new StringReader(DovecotWritten));
        Assert.Equal(DovecotWritten, document.ToString());
    }

    [Fact]
    public void Version_1_courier_style_file_is_read_and_written_as_version_3()
    {
        var document = UidListDocument.Parse(new StringReader("1 1100000000 7\n5 1099999999.123.host:2,S\n6 1099999999.124.host\n"));
        Assert.Equal(1100000000u, document.UidValidity);
        Assert.Equal(7u, document.NextUid);
        Assert.Equal("1099999999.123.host:2,S", document.Records[0].Key);
        Assert.StartsWith("3 V1100000000 N7", document.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("4 V1 N1\n")]
    [InlineData("3 N5\n")]
    [InlineData("3 Vabc N5\n")]
    public void Malformed_headers_are_rejected(string text) =>
        Assert.Throws<FormatException>(() => UidListDocument.Parse(new StringReader(text)));

    [Fact]
    public void Non_increasing_or_malformed_record_lines_are_skipped_and_next_uid_stays_above_every_uid()
    {
        var document = UidListDocument.Parse(new StringReader("3 V5 N2 Gab\n3 :a\n3 :dup\n2 :older\nx :bad\n9 W5\n10 :b\n"));
        Assert.Equal([3u, 10u], document.Records.Select(r => r.Uid));
        Assert.Equal(11u, document.NextUid);
    }
}
