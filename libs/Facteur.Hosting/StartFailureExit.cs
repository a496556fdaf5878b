using Facteur.Hosting.Configuration;
using Facteur.Hosting.Listening;

namespace Facteur.Hosting;

/// <summary>
/// Last line of defence for "a start that cannot succeed says why in one line": an exception out
/// of <c>app.Run()</c> that is a configuration error (exit EX_CONFIG, one line per key) or a port
/// the system refused (exit EX_OSERR, one line naming the service and address) is printed on
/// stderr, and the process exits with that code instead of the runtime's stack trace and abort.
/// Anything else keeps the runtime's report: it is a bug, and its stack trace is wanted.
/// </summary>
internal static class StartFailureExit
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
            if (e.ExceptionObject is not Exception ex)
            {
                return;
            }

            if (StartupConfigurationCheck.TryDescribe(ex, out var errors))
            {
                Print(errors);
                Environment.Exit(FacteurConfigurationException.ExitCode);
            }

            if (ListenFailure.TryDescribe(ex, out var message))
            {
                Console.Error.WriteLine($"{AppDomain.CurrentDomain.FriendlyName}: {message}");
                Console.Error.Flush();
                Environment.Exit(ListenFailure.ExitCode);
            }
        };
    }

    private static void Print(IReadOnlyList<string> errors)
    {
        var name = AppDomain.CurrentDomain.FriendlyName;
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"{name}: configuration error: {error}");
        }

        Console.Error.Flush();
    }
}
