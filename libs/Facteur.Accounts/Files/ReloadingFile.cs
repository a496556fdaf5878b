using Microsoft.Extensions.Logging;

namespace Facteur.Accounts.Files;

/// <summary>
/// The parsed contents of a text file, re-read when the file changes. The file's modification time and size
/// are checked on lookup, at most once a second: that works on NFS and other shared volumes, where inotify
/// does not see another host's writes. A missing file is an empty one (logged once), never an exception.
/// </summary>
internal sealed class ReloadingFile<T>
    where T : class
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly string _kind;
    private readonly Func<IEnumerable<string>, (T Value, int Count, IReadOnlyList<LineProblem> Problems)> _parse;
    private readonly T _empty;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    private T _value;
    private long _lastCheck;
    private bool _checkedOnce;
    private bool _racy;
    private (bool Exists, DateTime WriteTime, long Length) _stamp;
    private (bool Exists, DateTime WriteTime, long Length)? _failedStamp;

    public ReloadingFile(
        string path,
        string kind,
        Func<IEnumerable<string>, (T Value, int Count, IReadOnlyList<LineProblem> Problems)> parse,
        T empty,
        TimeProvider time,
        ILogger logger)
    {
        _path = path;
        _kind = kind;
        _parse = parse;
        _empty = empty;
        _value = empty;
        _time = time;
        _logger = logger;
    }

    public string Path => _path;

    public T Current
    {
        get
        {
            lock (_gate)
            {
                if (!_checkedOnce || _time.GetElapsedTime(_lastCheck) >= CheckInterval)
                {
                    Refresh();
                }

                return _value;
            }
        }
    }

    private void Refresh()
    {
        _lastCheck = _time.GetTimestamp();
        var info = new FileInfo(_path);
        var stamp = info.Exists ? (true, info.LastWriteTimeUtc, info.Length) : (false, DateTime.MinValue, 0L);
        if (_checkedOnce && stamp == _stamp && !_racy)
        {
            return;
        }

        if (!stamp.Item1)
        {
            _value = _empty;
            _stamp = stamp;
            _checkedOnce = true;
            _racy = false;
            AccountsLog.FileMissing(_logger, _kind, _path);
            return;
        }

        try
        {
            var (value, count, problems) = _parse(File.ReadLines(_path));
            foreach (var problem in problems)
            {
                AccountsLog.LineRejected(_logger, _kind, _path, problem.LineNumber, problem.Message);
            }

            _value = value;
            _stamp = stamp;
            _checkedOnce = true;

            // A file written less than RacyWindow ago may be rewritten again within its mtime granularity
            // (one second on some NFS servers) with the same size, e.g. a changed password hash: read it once
            // more at the next check instead of trusting the stamp (git's "racy clean" problem).
            _racy = DateTime.UtcNow - stamp.Item2 < RacyWindow;
            AccountsLog.FileLoaded(_logger, _kind, _path, count);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Keep what we had; _stamp stays old so the next check (a second later) tries again,
            // but say so once per version of the file rather than every second.
            _checkedOnce = true;
            if (_failedStamp != stamp)
            {
                _failedStamp = stamp;
                AccountsLog.FileUnreadable(_logger, _kind, _path, exception);
            }
        }
    }
}
