using Facteur.SmtpGateway.Parsing;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Tests.Parsing;

public sealed class StateTableTests
{
    /// <summary>State, verb → allowed, or the enhanced code of the 503.</summary>
    [Theory]
    [InlineData("Connected", "Ehlo", null)]
    [InlineData("Connected", "Helo", null)]
    [InlineData("Connected", "Noop", null)]
    [InlineData("Connected", "Quit", null)]
    [InlineData("Connected", "Mail", "Error: send HELO/EHLO first")]
    [InlineData("Connected", "StartTls", "Error: send HELO/EHLO first")]
    [InlineData("Connected", "Auth", "Error: send HELO/EHLO first")]
    [InlineData("Ready", "Mail", null)]
    [InlineData("Ready", "Auth", null)]
    [InlineData("Ready", "StartTls", null)]
    [InlineData("Ready", "Rcpt", "Error: need MAIL command")]
    [InlineData("Ready", "Data", "Error: need MAIL command")]
    [InlineData("Ready", "Bdat", "Error: need MAIL command")]
    [InlineData("MailGiven", "Rcpt", null)]
    [InlineData("MailGiven", "Mail", "Error: nested MAIL command")]
    [InlineData("MailGiven", "Data", "Error: need RCPT command")]
    [InlineData("MailGiven", "Auth", "Error: bad sequence of commands")]
    [InlineData("MailGiven", "StartTls", "Error: bad sequence of commands")]
    [InlineData("MailGiven", "Ehlo", null)]
    [InlineData("RecipientGiven", "Rcpt", null)]
    [InlineData("RecipientGiven", "Data", null)]
    [InlineData("RecipientGiven", "Bdat", null)]
    [InlineData("RecipientGiven", "Rset", null)]
    [InlineData("Chunking", "Bdat", null)]
    [InlineData("Chunking", "Rset", null)]
    [InlineData("Chunking", "Quit", null)]
    [InlineData("Chunking", "Data", "Error: bad sequence of commands")]
    [InlineData("Chunking", "Mail", "Error: bad sequence of commands")]
    [InlineData("Chunking", "Ehlo", "Error: bad sequence of commands")]
    [InlineData("Chunking", "Rcpt", "Error: bad sequence of commands")]
    public void Each_state_allows_only_its_commands(string state, string verb, string? refusal)
    {
        var reply = SmtpStateTable.Check(Enum.Parse<SmtpState>(state), Enum.Parse<SmtpVerb>(verb));
        Assert.Equal(refusal, reply?.Text);
        if (reply is { } r)
        {
            Assert.Equal(503, r.Code);
            Assert.Equal("5.5.1", r.Enhanced);
        }
    }
}
