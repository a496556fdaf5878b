namespace Facteur.Cli.Commands;

/// <summary>
/// Reads a new password: the first line of stdin when it is not a terminal (scripts: <c>echo pw | facteur …</c>),
/// else two prompts without echo. Never from the command line, where <c>ps</c> would show it.
/// </summary>
internal static class PasswordInput
{
    public static string Read(CliConsole console)
    {
        string password;
        if (!console.InputIsTerminal)
        {
            password = console.In.ReadLine() ?? string.Empty;
            if (password.Length == 0)
            {
                throw new CommandFailedException("no password on standard input (give it as the first line)");
            }
        }
        else
        {
            password = console.ReadSecret("New password: ");
            if (password.Length == 0)
            {
                throw new CommandFailedException("empty password");
            }

            if (console.ReadSecret("Retype new password: ") != password)
            {
                throw new CommandFailedException("the two passwords differ");
            }
        }

        if (password.Any(char.IsControl))
        {
            throw new CommandFailedException("the password contains a control character");
        }

        return password;
    }
}
