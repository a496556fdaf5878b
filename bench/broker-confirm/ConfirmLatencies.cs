using System.Diagnostics;
using System.Globalization;

namespace Facteur.Bench.BrokerConfirm;

/// <summary>Publish→confirm (or write→fsync) times of one probe's messages, taken one after the other.</summary>
internal sealed class ConfirmLatencies(int count)
{
    /// <summary>Messages sent, unrecorded, before a probe's measured ones (connection, channel and JIT warm).</summary>
    private const int WarmUp = 1000;

    private readonly double[] _milliseconds = new double[count];
    private readonly Stopwatch _wall = new();
    private int _taken;

    /// <summary><see cref="WarmUp"/> unrecorded calls of <paramref name="publish"/>, then <paramref name="count"/> timed ones.</summary>
    public static async Task<ConfirmLatencies> MeasureAsync(Func<Task> publish, int count, CancellationToken cancellationToken)
    {
        await new ConfirmLatencies(WarmUp).TakeAsync(publish, cancellationToken).ConfigureAwait(false);
        return await new ConfirmLatencies(count).TakeAsync(publish, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Times <paramref name="publish"/> (which returns once the message is durable) <c>count</c> times, or until cancelled.</summary>
    private async Task<ConfirmLatencies> TakeAsync(Func<Task> publish, CancellationToken cancellationToken)
    {
        _wall.Start();
        for (; _taken < _milliseconds.Length && !cancellationToken.IsCancellationRequested; _taken++)
        {
            var start = Stopwatch.GetTimestamp();
            await publish().ConfigureAwait(false);
            _milliseconds[_taken] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        _wall.Stop();
        return this;
    }

    public string Describe(string probe)
    {
        var sorted = _milliseconds[.._taken];
        Array.Sort(sorted);
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        return string.Create(CultureInfo.InvariantCulture,
            $"{probe}: {_taken} × 2 KB, {_taken / _wall.Elapsed.TotalSeconds:F0} msgs/s, p50 {At(0.50):F3} p90 {At(0.90):F3} p99 {At(0.99):F3} ms");
    }
}
