using System.Diagnostics;

namespace Facteur.Cli.Migration;

/// <summary>
/// A one-line progress bar on standard error, redrawn at most ten times a second, only when standard error
/// is a terminal (never in logs or pipes, where it would be noise).
/// </summary>
internal sealed class ProgressBar(TextWriter error, bool enabled, string label, long total)
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;
    private long _lastDraw = -1000;
    private bool _drawn;

    public static bool StandardErrorIsTerminal(CliConsole console) =>
        ReferenceEquals(console.Error, Console.Error) && !Console.IsErrorRedirected;

    public void Add(long bytes)
    {
        _done += bytes;
        if (!enabled || _clock.ElapsedMilliseconds - _lastDraw < 100)
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
        Draw();
    }

    public void Finish()
    {
        if (enabled && _drawn)
        {
            Draw();
            error.WriteLine();
        }
    }

    private void Draw()
    {
        var fraction = total <= 0 ? 1.0 : Math.Min(1.0, (double)_done / total);
        var filled = (int)(fraction * Width);
        var seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        error.Write($"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,5:0.0}% {MigrationReport.FormatBytes(_done)} {MigrationReport.FormatBytes((long)(_done / seconds))}/s ");
        error.Flush();
        _drawn = true;
    }
}
