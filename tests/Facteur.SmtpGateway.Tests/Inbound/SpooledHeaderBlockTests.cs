using System.Text;
using Facteur.MailStore.Folders;
using Facteur.SmtpGateway.Inbound;

namespace Facteur.SmtpGateway.Tests.Inbound;

public sealed class SpooledHeaderBlockTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("facteur-headerblock-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("From: a@b.c\r\nSubject: x\r\n\r\nbody\r\n", 27)]
    [InlineData("From: a@b.c\n\nbody\n", 13)]
    [InlineData("\r\nbody\r\n", 2)]
    [InlineData("From: a@b.c\r\nSubject: folded\r\n continued\r\n\r\n\r\n", 44)]
    [InlineData("From: a@b.c\r\nSubject: no body\r\n", -1)]
    public void Header_block_ends_after_the_first_empty_line(string message, int expected) =>
        Assert.Equal(expected, MessageHeaderRead.HeaderEnd(Encoding.ASCII.GetBytes(message)));

    [Theory]
    [InlineData("DKIM-Signature: v=1; d=b.c\r\nFrom: a@b.c\r\n\r\n", true)]
    [InlineData("From: a@b.c\r\ndkim-signature : v=1\r\n\r\n", true)]
    [InlineData("From: a@b.c\r\nX-Note: no Dkim-Signature here\r\n\r\n", true)]
    [InlineData("From: a@b.c\r\nARC-Seal: i=1\r\nSubject: dkim\r\n\r\n", false)]
    [InlineData("", false)]
    public void A_dkim_signature_anywhere_in_the_header_block_is_seen(string block, bool expected) =>
        Assert.Equal(expected, SpooledHeaderBlock.MayHave(Encoding.ASCII.GetBytes(block)));

    [Fact]
    public void A_signature_in_the_body_does_not_count_but_one_in_the_headers_does()
    {
        var unsigned = Read("From: a@b.c\r\n\r\nDKIM-Signature: quoted in the body\r\n");
        var signed = Read("From: a@b.c\r\nDKIM-Signature: v=1; d=b.c\r\n\r\nbody\r\n");

        Assert.False(unsigned!.Value.MayHaveDkimSignature);
        Assert.Equal("From: a@b.c\r\n\r\n", Encoding.ASCII.GetString(unsigned.Value.Buffer, 0, unsigned.Value.Length));
        Assert.True(signed!.Value.MayHaveDkimSignature);
    }

    [Fact]
    public void A_message_of_header_fields_only_is_one_header_block()
    {
        var block = Read("From: a@b.c\r\nSubject: headers only\r\n");

        Assert.Equal("From: a@b.c\r\nSubject: headers only\r\n", Encoding.ASCII.GetString(block!.Value.Buffer, 0, block.Value.Length));
    }

    [Fact]
    public void A_header_block_over_several_reads_is_found_whole_with_a_signature_near_its_end()
    {
        var text = new StringBuilder("From: a@b.c\r\n");
        while (text.Length < 10 * 1024)
        {
            text.Append("X-Padding: 0123456789012345678901234567890123456789\r\n");
        }

        var headers = text.Append("DKIM-Signature: v=1; d=b.c\r\n\r\n").ToString();
        var block = Read(headers + "body\r\n");

        Assert.Equal(headers, Encoding.ASCII.GetString(block!.Value.Buffer, 0, block.Value.Length));
        Assert.True(block.Value.MayHaveDkimSignature);
    }

    [Fact]
    public void A_header_block_longer_than_the_limit_is_left_to_the_full_parse()
    {
        var text = new StringBuilder();
        while (text.Length <= SpooledHeaderBlock.MaxLength)
        {
            text.Append("X-Padding: 0123456789012345678901234567890123456789\r\n");
        }

        Assert.Null(Read(text.Append("\r\nbody\r\n").ToString()));
    }

    [Theory]
    [InlineData("From: a@b.c\r\nSubject: x\r\n\r\nbody\r\n", 0)]
    [InlineData("From: a@b.c\r\nDKIM-Signature: v=1; d=b.c\r\n\r\nbody\r\n", 0)]
    [InlineData("From: a@b.c\r\nSubject: headers only\r\n", 0)]
    [InlineData("From: a@b.c\r\n", 10 * 1024)]
    [InlineData("From: a@b.c\r\n", SpooledHeaderBlock.MaxLength)]
    [InlineData("From: a@b.c\r\n", SpooledHeaderBlock.MaxLength + 100)]
    public void A_message_in_memory_gives_the_same_header_block_as_its_spool_file(string start, int padding)
    {
        var text = new StringBuilder(start);
        while (text.Length < padding)
        {
            text.Append("X-Padding: 0123456789012345678901234567890123456789\r\n");
        }

        var message = padding > 0 ? text.Append("\r\nbody\r\n").ToString() : text.ToString();
        var fromFile = Read(message);
        var fromMemory = SpooledHeaderBlock.Read(Encoding.ASCII.GetBytes(message));

        Assert.Equal(fromFile is null, fromMemory is null);
        if (fromFile is { } file && fromMemory is { } memory)
        {
            Assert.Equal(file.Buffer, memory.Buffer);
            Assert.Equal(file.MayHaveDkimSignature, memory.MayHaveDkimSignature);
        }
    }

    private SpooledHeaderBlock? Read(string message)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".eml");
        File.WriteAllText(path, message, Encoding.ASCII);
        using var handle = File.OpenHandle(path);
        return SpooledHeaderBlock.Read(handle);
    }
}
