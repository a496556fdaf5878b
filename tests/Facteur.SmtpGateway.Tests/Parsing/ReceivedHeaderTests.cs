using System.Net;

namespace Facteur.SmtpGateway.Tests.Parsing;

public sealed class ReceivedHeaderTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 29, 3, 4, 5, TimeSpan.FromHours(1));

    [Fact]
    public void A_single_recipient_message_names_it_and_the_date_is_rfc_5322_utc()
    {
        var header = ReceivedHeader.Format("client.example", IPAddress.Parse("192.0.2.1"), "mx.example", "ESMTPS", "ID1", ["alice@example.test"], When);
        Assert.Equal(
            "Received: from client.example ([192.0.2.1])\r\n\tby mx.example (Facteur) with ESMTPS id ID1\r\n\tfor <alice@example.test>; Sun, 29 Nov 2026 02:04:05 +0000\r\n",
            header);
        var parsed = MimeKit.HeaderList.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(header + "\r\n")));
        Assert.Equal("Received", parsed[0].Field);
    }

    [Fact]
    public void Several_recipients_are_not_disclosed_and_ipv6_uses_the_ipv6_literal()
    {
        var header = ReceivedHeader.Format("h", IPAddress.Parse("2001:db8::1"), "mx", "ESMTP", "ID", ["a@x", "b@x"], When);
        Assert.DoesNotContain("for <", header);
        Assert.Contains("([IPv6:2001:db8::1])", header);
    }

    [Theory]
    [InlineData(false, false, false, false, "SMTP")]
    [InlineData(true, false, false, false, "ESMTP")]
    [InlineData(true, true, false, false, "ESMTPS")]
    [InlineData(true, false, true, false, "ESMTPA")]
    [InlineData(true, true, true, false, "ESMTPSA")]
    [InlineData(true, true, true, true, "UTF8SMTPSA")]
    public void With_keyword_follows_rfc_3848(bool esmtp, bool tls, bool auth, bool utf8, string expected)
        => Assert.Equal(expected, ReceivedHeader.Protocol(esmtp, tls, auth, utf8));

    [Fact]
    public void Queue_ids_are_unique_file_name_safe_and_sorted_by_time()
    {
        var time = new SteppingTime { Now = When };
        var ids = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            ids.Add(QueueIdGenerator.Next(time));
            time.Now = time.Now.AddMilliseconds(1);
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[0-9A-HJKMNP-TV-Z]{22}$", id));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    private sealed class SteppingTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
