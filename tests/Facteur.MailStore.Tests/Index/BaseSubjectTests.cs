using Facteur.MailStore.Index;
using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>RFC 5256 §2.1 base-subject extraction, rule by rule, and §2.1's definition of a reply or forward.</summary>
public sealed class BaseSubjectTests
{
    [Theory]
    // (1) whitespace: tabs and folding become one space; leading/trailing removed.
    [InlineData("  spaced \t out \r\n\tmore  ", "spaced out more", false)]
    // (2) subj-trailer "(fwd)", repeatedly, with or without whitespace before it.
    [InlineData("news (fwd) (fwd)", "news", true)]
    [InlineData("news(fwd)", "news", true)]
    // (3) subj-leader: *subj-blob subj-refwd, refwd = ("re" / "fw" ["d"]) *WSP [subj-blob] ":".
    [InlineData("Re: Re: RE: x", "x", true)]
    [InlineData("Re [2]: x", "x", true)]
    [InlineData("Fwd : x", "x", true)]
    [InlineData("Fw:x", "x", true)]
    [InlineData("[a][b] Re: x", "x", true)]
    [InlineData("[x]Re: y", "y", true)]
    [InlineData("Refund: x", "Refund: x", false)]
    [InlineData("Re x", "Re x", false)]
    // (4) a leading subj-blob goes unless nothing would be left; (5) repeated with (3).
    [InlineData("[a] [b] x", "x", false)]
    [InlineData("[PATCH v2] Re: [list] subject", "subject", true)]
    [InlineData("[a] ", "[a]", false)]
    [InlineData("[a [b]] x", "[a [b]] x", false)]
    // (6) "[fwd:" … "]" unwrapped, then back to (2).
    [InlineData("[Fwd: [Fwd: x]]", "x", true)]
    [InlineData("re: [fwd: x]", "x", true)]
    [InlineData("[fwd: x] (fwd)", "x", true)]
    // Edge cases: all markers, nothing left.
    [InlineData("Re:", "", true)]
    [InlineData("Re: (fwd)", "", true)]
    [InlineData(null, "", false)]
    public void Base_subject_applies_each_rule_of_rfc_5256_section_2_1(string? subject, string expected, bool replyOrForward)
    {
        Assert.Equal((expected, replyOrForward), BaseSubject.Extract(subject));
    }
}
