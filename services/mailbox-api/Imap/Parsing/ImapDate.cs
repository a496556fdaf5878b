using System.Globalization;

namespace Facteur.MailboxApi.Imap.Parsing;

/// <summary>date (<c>1-Feb-1994</c>) and date-time (<c>"17-Jul-1996 02:44:25 -0700"</c>) of RFC 3501 §9.</summary>
internal static class ImapDate
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static string Format(DateTimeOffset value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value.Day:00}-{Months[value.Month - 1]}-{value.Year:0000} {value:HH:mm:ss} {(value.Offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(value.Offset.Hours):00}{Math.Abs(value.Offset.Minutes):00}");

    public static DateOnly ParseDate(string text)
    {
        text = text.Trim('"');
        var parts = text.Split('-');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || Array.FindIndex(Months, m => m.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) is var month && month < 0
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year) || parts[2].Length != 4)
        {
            throw new ImapParseException("Invalid date");
        }

        try
        {
            return new DateOnly(year, month + 1, day);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new ImapParseException("Invalid date");
        }
    }

    public static DateTimeOffset ParseDateTime(string text)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || parts[2].Length != 5 || parts[2][0] is not ('+' or '-'))
        {
            throw new ImapParseException("Invalid date-time");
        }

        var date = ParseDate(parts[0]);
        if (!TimeOnly.TryParseExact(parts[1], "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            || !int.TryParse(parts[2].AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(parts[2].AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
        {
            throw new ImapParseException("Invalid date-time");
        }

        var offset = new TimeSpan(hours, minutes, 0) * (parts[2][0] == '-' ? -1 : 1);
        return new DateTimeOffset(date.ToDateTime(time), offset);
    }
}
