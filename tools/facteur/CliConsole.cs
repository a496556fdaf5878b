using System.Text;

namespace Facteur.Cli;

/// <summary>Where the CLI reads and writes: the process console, or strings in tests that run it in-process.</summary>
internal sealed class CliConsole(
    TextReader input,
    TextWriter output,
    TextWriter error,
    bool inputIsTerminal,
    string workingDirectory,
    Func<string, string>? readSecret = null)
{
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True when stdin is a terminal: the password is then prompted for, without echo.</summary>
    public bool InputIsTerminal { get; } = inputIsTerminal;

    /// <summary>Relative paths (appsettings.json, ./data/…) are taken from here.</summary>
    public string WorkingDirectory { get; } = workingDirectory;

    public static CliConsole FromSystemConsole() =>
        new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, Environment.CurrentDirectory, PromptWithoutEcho);

    public string ReadSecret(string prompt) =>
        readSecret is null ? throw new CommandFailedException("no terminal to ask for a password on") : readSecret(prompt);

    private static string PromptWithoutEcho(string prompt)
    {
        Console.Error.Write(prompt);
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (secret.Length > 0)
                {
                    secret.Length--;
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return secret.ToString();
    }
}
