namespace Facteur.Hosting.Configuration;

/// <summary>
/// Last line of defence for "every misconfiguration fails at start with one line that names the
/// key": a configuration exception nobody caught (e.g. thrown out of <c>app.Run()</c>) is printed
/// as its lines on stderr and the process exits with EX_CONFIG, instead of the runtime's stack trace.
/// </summary>
internal static class ConfigurationFailureExit
{
    private static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is Exception ex && StartupConfigurationCheck.TryDescribe(ex, out var errors))
            {
                Print(errors);
                Environment.Exit(FacteurConfigurationException.ExitCode);
            }
        };
    }

    public static void Print(IReadOnlyList<string> errors)
    {
        var name = AppDomain.CurrentDomain.FriendlyName;
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"{name}: configuration error: {error}");
        }

        Console.Error.Flush();
    }
}
