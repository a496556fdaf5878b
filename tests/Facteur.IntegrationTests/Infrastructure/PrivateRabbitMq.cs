using System.Diagnostics;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>
/// A rabbitmq-server node of this test's own (Debian's package, run as TOOLCHAIN.md says), so a
/// test can take the broker away and bring it back without disturbing other tests that share
/// the suite's broker.
/// </summary>
internal sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly string _dir = Directory.CreateTempSubdirectory("facteur-rabbit-").FullName;
    private readonly Dictionary<string, string> _env;
    private Process? _server;

    public PrivateRabbitMq()
    {
        Port = FreePort.Next();
        NodeName = $"facteur-it-{Port}@localhost";
        Directory.CreateDirectory(Path.Combine(_dir, "home"));
        File.WriteAllText(Path.Combine(_dir, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\n");
        File.WriteAllText(Path.Combine(_dir, "enabled_plugins"), "[].\n");
        const string distArgs = "-kernel inet_dist_use_interface {127,0,0,1}";
        _env = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(_dir, "home"),
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_DIST_PORT"] = FreePort.Next().ToString(),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_dir, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_dir, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_dir, "enabled_plugins"),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = distArgs,
            ["RABBITMQ_CTL_ERL_ARGS"] = distArgs,
        };
    }

    public int Port { get; }

    public string NodeName { get; }

    public string Url => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public static bool IsInstalled => File.Exists(Path.Combine(Bin, "rabbitmq-server"));

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in _env)
        {
            start.Environment[k] = v;
        }

        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        // await_startup fails at once while the Erlang node is not yet registered with epmd: poll.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                await CtlAsync(TimeSpan.FromSeconds(60), "await_startup");
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Stops the broker application: every connection drops and the port closes, the node stays.</summary>
    public Task StopAppAsync() => CtlAsync(TimeSpan.FromSeconds(60), "stop_app");

    public Task StartAppAsync() => CtlAsync(TimeSpan.FromSeconds(60), "start_app");

    /// <summary>Stops the whole node (the Erlang process exits; its data folder stays): <see cref="StartAsync"/> brings it back from disk.</summary>
    public async Task StopNodeAsync()
    {
        await CtlAsync(TimeSpan.FromSeconds(60), "stop");
        if (_server is not null)
        {
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _server.WaitForExitAsync(exit.Token);
            _server.Dispose();
            _server = null;
        }
    }

    /// <summary>Messages ready + unacknowledged in a queue, or -1 when it does not exist.</summary>
    public async Task<string> ListQueuesAsync() =>
        await CtlAsync(TimeSpan.FromSeconds(30), "list_queues", "name", "type", "messages");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync(TimeSpan.FromSeconds(30), "stop");
        }
        catch (Exception)
        {
            // The node may already be gone; the process is killed below anyway.
        }

        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
        }

        _server?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<string> CtlAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, "rabbitmqctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(NodeName);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in _env)
        {
            start.Environment[k] = v;
        }

        using var ctl = Process.Start(start)!;
        var stdout = ctl.StandardOutput.ReadToEndAsync();
        var stderr = ctl.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await ctl.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            ctl.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbitmqctl {string.Join(' ', args)} timed out");
        }

        if (ctl.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} failed: {await stdout}{await stderr}");
        }

        return await stdout;
    }
}
