using System.Text;

namespace Facteur.Bench.SmtpIngest;

/// <summary>
/// Builds message i: headers carrying its token (Subject and Message-Id), then a shared body of
/// 76-character lines filling up to the requested size, then the end-of-data line.
/// </summary>
internal sealed class MessageFactory
{
    public const string SubjectPrefix = "smtp-ingest ";

    private readonly string runId;
    private readonly string recipient;
    private readonly byte[] body;

    public MessageFactory(string runId, string recipient, int size)
    {
        this.runId = runId;
        this.recipient = recipient;
        var header = Header(0).Length;
        var line = new string('x', 76) + "\r\n";
        var text = new StringBuilder();
        while (header + text.Length + line.Length <= size)
        {
            text.Append(line);
        }

        text.Append(new string('y', Math.Max(0, size - header - text.Length - 2))).Append("\r\n");
        text.Append(".\r\n");
        body = Encoding.ASCII.GetBytes(text.ToString());
    }

    public string Token(int index) => $"{runId}-{index:D7}";

    public async ValueTask WriteAsync(Stream stream, int index, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Header(index)), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    /// <summary>The index encoded in a token of this run, or -1.</summary>
    public int IndexOf(string token) =>
        token.StartsWith(runId + "-", StringComparison.Ordinal) && int.TryParse(token.AsSpan(runId.Length + 1), out var index) ? index : -1;

    private string Header(int index) =>
        $"From: Bench <sender@bench.test>\r\n" +
        $"To: <{recipient}>\r\n" +
        $"Subject: {SubjectPrefix}{Token(index)}\r\n" +
        $"Message-ID: <{Token(index)}@bench.test>\r\n" +
        $"Date: {DateTimeOffset.UtcNow:ddd, dd MMM yyyy HH:mm:ss} +0000\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n";
}
