using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Passwords;
using Facteur.Accounts.Users;

namespace Facteur.Cli.Tests;

/// <summary>The file examples of tools/facteur/README.md parse cleanly: the documentation shows files the code reads.</summary>
public sealed partial class ReadmeExampleTests
{
    private static readonly string[] Blocks = ReadBlocks();

    [Fact]
    public void The_accounts_example_is_a_valid_passwd_file_with_known_schemes()
    {
        var block = Blocks.Single(b => b.Contains("alice@esp.sn:{ARGON2ID}", StringComparison.Ordinal));

        var file = PasswdFile.Parse(block.Split('\n'));

        Assert.Empty(file.Problems);
        Assert.Equal(4, file.Entries.Count);
        Assert.All(file.Entries, e => Assert.NotEqual(PasswordCheckOutcome.UnknownScheme, PasswordVerifier.Verify("x", e.Password).Outcome));
        Assert.All(file.Entries, e => Assert.NotEqual(PasswordCheckOutcome.Malformed, PasswordVerifier.Verify("x", e.Password).Outcome));
    }

    [Fact]
    public void The_aliases_example_is_a_valid_virtual5_table()
    {
        var block = Blocks.Single(b => b.Contains("@esp.sn                postmaster@esp.sn", StringComparison.Ordinal));

        var file = VirtualAliasFile.Parse(block.Split('\n'));

        Assert.Empty(file.Problems);
        Assert.Equal(["alice@esp.sn", "bob@esp.sn", "partner@gmail.com"], file.Find("team@esp.sn")!.Targets);
        Assert.True(file.Find("@esp.sn")!.IsCatchAll);
    }

    [Fact]
    public void The_domains_example_is_a_valid_domains_file()
    {
        var block = Blocks.Single(b => b.Contains("virtual_mailbox_domains", StringComparison.Ordinal));

        var file = DomainsFile.Parse(block.Split('\n'));

        Assert.Empty(file.Problems);
        Assert.Equal(["esp.sn", "xn--sngal-bsab.sn"], file.Keys.Order());
    }

    private static string[] ReadBlocks([CallerFilePath] string source = "")
    {
        var readme = Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "tools", "facteur", "README.md");
        return CodeBlock().Matches(File.ReadAllText(readme)).Select(m => m.Groups[1].Value).ToArray();
    }

    [GeneratedRegex("```[a-z]*\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
