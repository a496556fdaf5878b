using System.Text;
using System.Text.RegularExpressions;
using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SummaryTests
{
    [Fact]
    public async Task Body_structure_and_envelope_match_what_dovecot_returns_for_the_same_file()
    {
        using var maildir = new IndexTestMaildir();
        var output = await DovecotImap.RunAsync(maildir.UserPath,
            DovecotImap.Append("a", "INBOX", "\\Seen", Samples.MixedWithAlternativeAttachmentAndMessage)
            + "b SELECT INBOX\r\nc FETCH 1 (BODYSTRUCTURE)\r\nd FETCH 1 (ENVELOPE)\r\ne FETCH 1 (RFC822.SIZE)\r\nz LOGOUT\r\n");
        var dovecotStructure = BodyStructureLine().Match(output).Groups[1].Value;
        var dovecotEnvelope = EnvelopeLine().Match(output).Groups[1].Value;
        var dovecotSize = long.Parse(SizeLine().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var message = Assert.Single(inbox.State.Messages);
        var summary = await inbox.GetSummaryAsync(message);

        Assert.NotNull(summary);
        Assert.Equal(dovecotStructure, ImapText.BodyStructure(summary.Body));
        Assert.Equal(dovecotEnvelope, ImapText.Envelope(summary.Envelope));
        Assert.Equal(dovecotSize, message.Size);
    }

    [Fact]
    public async Task Part_offsets_locate_each_part_header_and_body_in_the_file()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(Samples.MixedWithAlternativeAttachmentAndMessage);
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var summary = (await inbox.GetSummaryAsync(inbox.State.Messages[0]))!;
        await using var file = inbox.OpenMessage(inbox.State.Messages[0])!;

        var plain = summary.Body.Parts[0].Parts[0];
        Assert.Equal("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", Slice(file, plain.HeaderOffset, plain.BodyOffset));
        Assert.Equal("Hello=20world\r\nsecond line", Slice(file, plain.BodyOffset, plain.EndOffset));
        var attachment = summary.Body.Parts[1];
        Assert.Equal("JVBERi0xLjQK", Slice(file, attachment.BodyOffset, attachment.EndOffset));
        var forwarded = summary.Body.Parts[2];
        var inner = forwarded.Message!.Body;
        Assert.Equal(forwarded.BodyOffset, inner.HeaderOffset);
        Assert.StartsWith("From: inner@example.com\r\n", Slice(file, inner.HeaderOffset, inner.BodyOffset), StringComparison.Ordinal);
        Assert.Equal("Inner body", Slice(file, inner.BodyOffset, inner.EndOffset));
        Assert.Equal(0, summary.Body.HeaderOffset);
        Assert.Equal("preamble", Slice(file, summary.Body.BodyOffset, summary.Body.BodyOffset + 8));
    }

    [Fact]
    public async Task Sizes_of_a_bare_lf_file_are_counted_as_crlf_octets()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver("Subject: lf\n\nline1\nline2\n");
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var summary = (await inbox.GetSummaryAsync(inbox.State.Messages[0]))!;

        Assert.Equal("line1\r\nline2\r\n".Length, summary.Body.Octets);
        Assert.Equal(2, summary.Body.Lines);
        Assert.Equal("Subject: lf\r\n\r\nline1\r\nline2\r\n".Length, inbox.State.Messages[0].Size);
    }

    [Fact]
    public async Task Sort_and_thread_fields_are_extracted()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(Samples.MixedWithAlternativeAttachmentAndMessage);
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");

        var sort = (await inbox.GetSummaryAsync(inbox.State.Messages[0]))!.Sort;

        Assert.Equal("Test message", sort.BaseSubject);
        Assert.True(sort.IsReplyOrForward);
        Assert.Equal(new DateTimeOffset(2003, 7, 1, 10, 52, 37, TimeSpan.FromHours(2)), sort.SentDate);
        Assert.Equal("john.q.public", sort.FromMailbox);
        Assert.Equal("mary", sort.ToMailbox);
        Assert.Equal("a", sort.CcMailbox);
        Assert.Equal("Joe Q. Public", sort.FromDisplay);
        Assert.Equal("5678.21-Nov-1997@example.com", sort.MessageId);
        Assert.Equal(["1234@local.machine.example"], sort.InReplyTo);
        Assert.Equal(["1234@local.machine.example", "3456@example.net"], sort.References);
    }

    [Theory]
    [InlineData("Re: hello", "hello", true)]
    [InlineData("RE: Re[2]: hi there", "hi there", true)]
    [InlineData("Fw: FWD:  news  (fwd)", "news", true)]
    [InlineData("[fwd: Re: hello]", "hello", true)]
    [InlineData("[list] topic", "topic", false)]
    [InlineData("[list]", "[list]", false)]
    [InlineData("plain\tsubject", "plain subject", false)]
    [InlineData("", "", false)]
    public void Base_subject_follows_rfc_5256(string subject, string expected, bool marked)
    {
        Assert.Equal((expected, marked), BaseSubject.Extract(subject));
    }

    [Fact]
    public async Task Summaries_are_persisted_and_not_parsed_again_by_another_replica()
    {
        using var maildir = new IndexTestMaildir();
        var path = maildir.Deliver(IndexTestMaildir.Message("cached subject"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        var first = (await inbox.GetSummaryAsync(inbox.State.Messages[0]))!;
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        await File.WriteAllTextAsync(path, "Subject: changed behind our back\r\n\r\n");
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");
        var again = (await other.GetSummaryAsync(other.State.Messages[0]))!;

        Assert.Equal("cached subject", first.Envelope.Subject);
        Assert.Equal(first.Envelope.Subject, again.Envelope.Subject);
        Assert.Equal(ImapText.BodyStructure(first.Body), ImapText.BodyStructure(again.Body));
    }

    [Fact]
    public async Task A_corrupt_cache_entry_is_parsed_again()
    {
        using var maildir = new IndexTestMaildir();
        maildir.Deliver(IndexTestMaildir.Message("subject one"));
        var inbox = await maildir.Mailbox.OpenFolderAsync("INBOX");
        await inbox.GetSummaryAsync(inbox.State.Messages[0]);
        await inbox.FlushSummariesAsync(); // what a FETCH learned is written by the delayed flush (PendingFlushDelay), or by the next locked operation

        var cache = Path.Combine(maildir.UserPath, "facteur-cache");
        await File.WriteAllBytesAsync(cache, Encoding.ASCII.GetBytes(new string('#', (int)new FileInfo(cache).Length)));
        var other = await maildir.OtherReplica().OpenUser(IndexTestMaildir.User).OpenFolderAsync("INBOX");

        Assert.Equal("subject one", (await other.GetSummaryAsync(other.State.Messages[0]))!.Envelope.Subject);
    }

    private static string Slice(Stream file, long start, long end)
    {
        var buffer = new byte[end - start];
        file.Position = start;
        file.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    [GeneratedRegex(@"BODYSTRUCTURE (\(.*\))\)\r?\n")]
    private static partial Regex BodyStructureLine();

    [GeneratedRegex(@"ENVELOPE (\(.*\))\)\r?\n")]
    private static partial Regex EnvelopeLine();

    [GeneratedRegex(@"RFC822\.SIZE (\d+)\)")]
    private static partial Regex SizeLine();
}
