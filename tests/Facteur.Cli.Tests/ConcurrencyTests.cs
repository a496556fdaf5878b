using Facteur.Accounts.Passwords;

namespace Facteur.Cli.Tests;

/// <summary>Separate <c>facteur</c> processes editing one file must not lose each other's changes.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Twenty_parallel_user_add_processes_leave_twenty_users_in_the_file()
    {
        using var cli = new CliFixture();
        const int Count = 20;

        var processes = Enumerable.Range(0, Count)
            .Select(i => CliFixture.Start(cli.Folder, $"password-{i}\n", null, "user", "add", $"user{i}@esp.sn", "--config", cli.ConfigFile))
            .ToList();
        var results = await Task.WhenAll(processes.Select(p => CliFixture.CompleteAsync(p, TimeSpan.FromMinutes(3))));
        foreach (var process in processes)
        {
            process.Dispose();
        }

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var lines = cli.AccountLines();
        Assert.Equal(Count, lines.Length);
        var byUser = lines.ToDictionary(l => l.Split(':')[0], l => l.Split(':')[1]);
        for (var i = 0; i < Count; i++)
        {
            Assert.True(PasswordVerifier.Verify($"password-{i}", byUser[$"user{i}@esp.sn"]).Matches, $"user{i}");
        }

        Assert.Equal(["accounts", "facteur.json"], Directory.GetFiles(cli.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Parallel_alias_and_domain_edits_are_all_kept()
    {
        using var cli = new CliFixture();
        const int Count = 10;

        var processes = Enumerable.Range(0, Count)
            .SelectMany(i => new[]
            {
                CliFixture.Start(cli.Folder, null, null, "alias", "add", "team@esp.sn", $"member{i}@esp.sn", "--config", cli.ConfigFile),
                CliFixture.Start(cli.Folder, null, null, "domain", "add", $"d{i}.example.org", "--config", cli.ConfigFile),
            })
            .ToList();
        var results = await Task.WhenAll(processes.Select(p => CliFixture.CompleteAsync(p, TimeSpan.FromMinutes(2))));
        foreach (var process in processes)
        {
            process.Dispose();
        }

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var team = Assert.Single(Accounts.Aliases.VirtualAliasFile.Parse(File.ReadAllLines(cli.Aliases)).Entries);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"member{i}@esp.sn").Order(), team.Targets.Order());
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"d{i}.example.org").Order(), File.ReadAllLines(cli.Domains).Order());
    }
}
