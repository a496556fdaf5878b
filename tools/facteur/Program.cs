using Facteur.Cli;

return FacteurCli.Run(args, CliConsole.FromSystemConsole());
