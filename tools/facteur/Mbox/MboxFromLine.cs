using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Facteur.Cli.Mbox;

/// <summary>
/// The <c>From sender date</c> line that starts each message of an mbox (RFC 4155): the envelope sender and
/// the time of delivery in asctime(3) form, which Dovecot and mutt take as the message's internal date.
/// </summary>
internal sealed partial record MboxFromLine(string Sender, DateTimeOffset Date)
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    // A date must follow: a body line "From here on…" after a blank line, in an mbox that was never quoted,
    // is then not taken for a separator. Optional zone name before the year and numeric offset after it
    // (both seen in the wild, e.g. from Postfix's local(8) and from procmail).
    [GeneratedRegex(@"^From (?<sender>.*?) +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?<day>\d{1,2}) +(?<h>\d{1,2}):(?<m>\d{2})(?::(?<s>\d{2}))? +(?:[A-Z]{3,5} +)?(?<year>\d{4})(?: +(?<zone>[+-]\d{4}))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses a line (with or without its line ending); null when it is not a From_ line.</summary>
    public static MboxFromLine? TryParse(ReadOnlySpan<byte> line)
    {
        if (line.Length < 20 || line.Length > 1000 || !line.StartsWith("From "u8))
        {
            return null;
        }

        var match = Pattern().Match(Encoding.Latin1.GetString(line).TrimEnd('\r', '\n'));
        if (!match.Success)
        {
            return null;
        }

        int Number(string group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        var month = Array.IndexOf(Months, match.Groups["month"].Value) + 1;
        try
        {
            var local = new DateTime(Number("year"), month, Number("day"), Number("h"), Number("m"), Number("s"), DateTimeKind.Unspecified);
            // asctime has no zone: it is the delivering host's local time, which is this host's when
            // migrating on the old server itself (and UTC in most containers).
            var offset = match.Groups["zone"].Success ? ParseZone(match.Groups["zone"].Value) : TimeZoneInfo.Local.GetUtcOffset(local);
            return new MboxFromLine(match.Groups["sender"].Value, new DateTimeOffset(local, offset));
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The line, LF-terminated, in the asctime form in UTC.</summary>
    public byte[] Format()
    {
        var utc = Date.UtcDateTime;
        var sender = string.IsNullOrWhiteSpace(Sender) || Sender.Any(c => c is ' ' or '\t' or '\r' or '\n') ? "MAILER-DAEMON" : Sender;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"From {sender} {utc.ToString("ddd MMM", CultureInfo.InvariantCulture)} {utc.Day,2} {utc:HH:mm:ss} {utc.Year}\n");
        return Encoding.UTF8.GetBytes(text);
    }

    private static TimeSpan ParseZone(string zone)
    {
        var sign = zone[0] == '-' ? -1 : 1;
        var hours = int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture);
        var minutes = int.Parse(zone.AsSpan(3, 2), CultureInfo.InvariantCulture);
        return sign * new TimeSpan(hours, minutes, 0);
    }
}
