using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>One Facteur service started as its own process (`dotnet Service.dll`), as a container would run it.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly StringBuilder _log = new();
    private Process? _process;

    public ServiceProcess(string name, string dll, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        _start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        _start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            _start.Environment[key] = value;
        }

        _start.Environment["DOTNET_gcServer"] = "0";
        _start.Environment["Logging__Console__FormatterName"] = "simple";
    }

    public string Name { get; }

    public int Pid => _process?.Id ?? 0;

    public bool HasExited => _process is null || _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public void Start()
    {
        _process = new Process { StartInfo = _start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until every port accepts TCP connections (the service is listening).</summary>
    public async Task WaitForPortsAsync(TimeSpan timeout, params int[] ports)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in ports)
        {
            while (true)
            {
                if (HasExited)
                {
                    throw new InvalidOperationException($"{Name} exited with {_process?.ExitCode}:\n{Log}");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
                catch (SocketException e)
                {
                    throw new TimeoutException($"{Name} did not listen on {port} within {timeout}:\n{Log}", e);
                }
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a node dies.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM and wait, as `docker stop` does.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false })
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Peak resident set size in KiB (VmHWM), from /proc.</summary>
    public long PeakRssKiB()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 2_000_000)
            {
                _log.AppendLine(line);
            }
        }
    }
}
