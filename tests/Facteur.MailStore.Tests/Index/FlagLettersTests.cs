using Facteur.MailStore.Folders;
using Facteur.MailStore.Index;

namespace Facteur.MailStore.Tests.Index;

public class FlagLettersTests
{
    // The Maildir letters and the IMAP system flags Dovecot maps them to (cr.yp.to/proto/maildir.html; P has none).
    [Theory]
    [InlineData(MaildirFlags.Draft, MessageFlags.Draft)]
    [InlineData(MaildirFlags.Flagged, MessageFlags.Flagged)]
    [InlineData(MaildirFlags.Replied, MessageFlags.Answered)]
    [InlineData(MaildirFlags.Seen, MessageFlags.Seen)]
    [InlineData(MaildirFlags.Trashed, MessageFlags.Deleted)]
    public void Each_letter_is_its_IMAP_flag_and_back(MaildirFlags letter, MessageFlags flag)
    {
        Assert.Equal(flag, FlagLetters.ToMessageFlags(letter));
        Assert.Equal(letter, FlagLetters.ToMaildirFlags(flag));
    }

    [Fact]
    public void Passed_has_no_IMAP_flag_and_every_other_letter_goes_both_ways_together()
    {
        var all = MaildirFlags.Draft | MaildirFlags.Flagged | MaildirFlags.Replied | MaildirFlags.Seen | MaildirFlags.Trashed;

        Assert.Equal(MessageFlags.None, FlagLetters.ToMessageFlags(MaildirFlags.Passed));
        Assert.Equal(all, FlagLetters.ToMaildirFlags(FlagLetters.ToMessageFlags(all | MaildirFlags.Passed)));
        Assert.Equal(MaildirFlags.None, FlagLetters.ToMaildirFlags(MessageFlags.None));
    }
}
