using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Facteur.Bench.SmtpIngest;

/// <summary>
/// The processes being measured, started from the build output in a temp folder with one local
/// user, configured only through Facteur__* variables, on loopback ports the OS picked.
/// </summary>
internal sealed class SystemUnderTest : IAsyncDisposable
{
    public const string Domain = "bench.test";
    public const string User = "bench@bench.test";

    private readonly List<(string Name, Process Process, string Log)> processes = [];
    private readonly string? folder;

    private SystemUnderTest(string? folder, string mailRoot, int smtpPort, string recipient)
    {
        this.folder = folder;
        MailRoot = mailRoot;
        SmtpPort = smtpPort;
        Recipient = recipient;
    }

    public string MailRoot { get; }

    public int SmtpPort { get; }

    public string Recipient { get; }

    public static async Task<SystemUnderTest> StartAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        if (options.Target == BenchTarget.External)
        {
            return new SystemUnderTest(null, Path.GetFullPath(options.MailRoot!), options.SmtpPort!.Value, options.Recipient);
        }

        var folder = Directory.CreateTempSubdirectory("facteur-bench-").FullName;
        var mailRoot = Path.Combine(folder, "mail");
        Directory.CreateDirectory(mailRoot);
        Directory.CreateDirectory(Path.Combine(folder, "spool"));
        File.WriteAllText(Path.Combine(folder, "accounts"), $"{User}:{Ssha512("bench-password")}:::::\n");
        File.WriteAllText(Path.Combine(folder, "aliases"), string.Empty);

        var smtpPort = FreePort();
        var sut = new SystemUnderTest(folder, mailRoot, smtpPort, User);
        try
        {
            var common = new Dictionary<string, string>
            {
                ["Facteur__Hostname"] = "mx.bench.test",
                ["Facteur__Domains__0"] = Domain,
                ["Facteur__MailRoot"] = mailRoot,
                ["Facteur__SpoolRoot"] = Path.Combine(folder, "spool"),
                ["Facteur__AccountsFile"] = Path.Combine(folder, "accounts"),
                ["Facteur__AliasesFile"] = Path.Combine(folder, "aliases"),
                ["Facteur__ListenAddress"] = "127.0.0.1",
                ["Logging__LogLevel__Default"] = "Warning",
                ["DOTNET_gcServer"] = "0",
            };
            var ports = new Dictionary<string, string>
            {
                ["Smtp__Port"] = smtpPort.ToString(),
                ["Smtp__SubmissionPort"] = FreePort().ToString(),
                ["Smtp__SubmissionsPort"] = FreePort().ToString(),
            };

            var management = new List<int>();
            if (options.Target == BenchTarget.Standalone)
            {
                management.Add(sut.Launch("standalone", "standalone", "Facteur.Standalone.dll", common, ports, new() { ["Facteur__Transport"] = "InMemory" }));
            }
            else
            {
                var rabbit = Environment.GetEnvironmentVariable("FACTEUR_TEST_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5672/";
                var bus = new Dictionary<string, string> { ["Facteur__Transport"] = "RabbitMq", ["ConnectionStrings__RabbitMq"] = rabbit };
                management.Add(sut.Launch("smtp-gateway", "smtp-gateway", "Facteur.SmtpGateway.dll", common, ports, bus));
                for (var worker = 1; worker <= options.DeliveryWorkers; worker++)
                {
                    management.Add(sut.Launch($"delivery-{worker}", "delivery", "Facteur.Delivery.dll", common, bus));
                }
            }

            foreach (var port in management)
            {
                await sut.WaitReadyAsync(port, cancellationToken);
            }

            await sut.WaitForSmtpAsync(cancellationToken);
            return sut;
        }
        catch
        {
            await sut.DisposeAsync();
            throw;
        }
    }

    /// <summary>Peak resident set (VmHWM) of every process, summed, in bytes.</summary>
    public long PeakResidentBytes()
    {
        long total = 0;
        foreach (var (_, process, _) in processes)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process, _) in processes)
        {
            if (!process.HasExited)
            {
                _ = Kill(process.Id, 15); // SIGTERM: let the host stop its listeners and the bus
            }
        }

        foreach (var (_, process, _) in processes)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        if (folder is not null)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private int Launch(string name, string project, string assembly, params Dictionary<string, string>[] environments)
    {
        var path = Path.Combine(RepositoryLayout.Root, "services", project, "bin", RepositoryLayout.Configuration, RepositoryLayout.Framework, assembly);
        if (!File.Exists(path))
        {
            throw new BenchException($"{path} is not built (dotnet build services/{project} -c {RepositoryLayout.Configuration})");
        }

        var managementPort = FreePort();
        var log = Path.Combine(folder!, $"{name}.log");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(path);
        foreach (var environment in environments)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        start.Environment["Management__Port"] = managementPort.ToString();
        start.Environment["OTEL_SERVICE_NAME"] = $"bench-{name}";

        var process = Process.Start(start) ?? throw new BenchException($"cannot start {name}");
        var writer = TextWriter.Synchronized(new StreamWriter(log) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        processes.Add((name, process, log));
        return managementPort;
    }

    private async Task WaitReadyAsync(int managementPort, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfAnyExited();
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{managementPort}/readyz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new BenchException($"/readyz on port {managementPort} did not answer 200 within 90 s{LogTails()}");
    }

    private async Task WaitForSmtpAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            ThrowIfAnyExited();
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, SmtpPort, cancellationToken);
                using var reader = new StreamReader(client.GetStream(), Encoding.Latin1);
                var greeting = await reader.ReadLineAsync(cancellationToken);
                if (greeting?.StartsWith("220", StringComparison.Ordinal) == true)
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new BenchException($"nothing greets with 220 on SMTP port {SmtpPort} (is the gateway's SMTP listener built?){LogTails()}");
    }

    private void ThrowIfAnyExited()
    {
        foreach (var (name, process, _) in processes)
        {
            if (process.HasExited)
            {
                throw new BenchException($"{name} exited with code {process.ExitCode} during start{LogTails()}");
            }
        }
    }

    private string LogTails()
    {
        var text = new StringBuilder();
        foreach (var (name, _, log) in processes)
        {
            try
            {
                var lines = File.ReadAllLines(log);
                text.Append($"\n--- {name} (last lines) ---\n").AppendJoin('\n', lines.TakeLast(15));
            }
            catch (IOException)
            {
            }
        }

        return text.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Dovecot's {SSHA512}: base64(SHA-512(password ‖ salt) ‖ salt).</summary>
    private static string Ssha512(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = SHA512.HashData([.. Encoding.UTF8.GetBytes(password), .. salt]);
        return "{SSHA512}" + Convert.ToBase64String([.. hash, .. salt]);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

internal sealed class BenchException(string message) : Exception(message);
