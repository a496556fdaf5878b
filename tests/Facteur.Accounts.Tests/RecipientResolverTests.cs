namespace Facteur.Accounts.Tests;

public sealed class RecipientResolverTests
{
    private const string Users = """
        alice@esp.sn:{PLAIN}a:::::
        bob@esp.sn:{PLAIN}b:::::
        Carol@Example.org:{PLAIN}c:::::
        postmaster@esp.sn:{PLAIN}p:::::
        """;

    [Fact]
    public async Task A_user_resolves_to_their_mailbox()
    {
        using var setup = new AccountsSetup(Users);

        var result = await setup.Resolver.ResolveAsync("alice@esp.sn");

        Assert.Equal(RecipientKind.Local, result.Kind);
        Assert.Equal(["alice@esp.sn"], result.Mailboxes);
        Assert.Empty(result.RemoteTargets);
    }

    [Fact]
    public async Task The_mailbox_is_named_as_in_the_accounts_file_whatever_the_case_and_idn_form_of_the_address()
    {
        using var setup = new AccountsSetup(Users + "\nawa@sénégal.sn:{PLAIN}x\n", domains: ["example.org", "sénégal.sn"]);

        Assert.Equal(["Carol@Example.org"], (await setup.Resolver.ResolveAsync("CAROL@example.ORG")).Mailboxes);
        Assert.Equal(["awa@sénégal.sn"], (await setup.Resolver.ResolveAsync("awa@xn--sngal-bsab.sn")).Mailboxes);
    }

    [Fact]
    public async Task An_unknown_user_of_a_local_domain_is_unknown()
    {
        using var setup = new AccountsSetup(Users);

        Assert.Equal(RecipientResolution.Unknown, await setup.Resolver.ResolveAsync("nobody@esp.sn"));
    }

    [Fact]
    public async Task An_address_of_another_domain_is_remote()
    {
        using var setup = new AccountsSetup(Users);

        Assert.Equal(RecipientKind.Remote, (await setup.Resolver.ResolveAsync("alice@gmail.com")).Kind);
    }

    [Fact]
    public async Task A_tagged_address_without_an_alias_goes_to_the_users_mailbox()
    {
        using var setup = new AccountsSetup(Users);

        var result = await setup.Resolver.ResolveAsync("alice+newsletters@esp.sn");

        Assert.Equal(["alice@esp.sn"], result.Mailboxes);
    }

    [Fact]
    public async Task The_recipient_delimiter_is_configurable()
    {
        using var setup = new AccountsSetup(Users, delimiter: "-");

        Assert.Equal(["alice@esp.sn"], (await setup.Resolver.ResolveAsync("alice-lists@esp.sn")).Mailboxes);
        Assert.Equal(RecipientKind.UnknownLocalUser, (await setup.Resolver.ResolveAsync("alice+lists@esp.sn")).Kind);
    }

    [Fact]
    public async Task Lookup_order_is_full_address_then_without_tag_then_catch_all()
    {
        using var setup = new AccountsSetup(Users, """
            alice+work@esp.sn   bob@esp.sn
            info@esp.sn         carol@example.org
            @esp.sn             postmaster@esp.sn
            """);

        // The full address wins over the user alice.
        Assert.Equal(["bob@esp.sn"], (await setup.Resolver.ResolveAsync("alice+work@esp.sn")).Mailboxes);
        // No alias for alice+home: the user alice, not the catch-all.
        Assert.Equal(["alice@esp.sn"], (await setup.Resolver.ResolveAsync("alice+home@esp.sn")).Mailboxes);
        // info+x: no full-address entry, then info@esp.sn.
        Assert.Equal(["Carol@Example.org"], (await setup.Resolver.ResolveAsync("info+x@esp.sn")).Mailboxes);
        // Nothing else: the catch-all.
        Assert.Equal(["postmaster@esp.sn"], (await setup.Resolver.ResolveAsync("whoever@esp.sn")).Mailboxes);
    }

    [Fact]
    public async Task An_existing_user_is_delivered_to_even_when_a_catch_all_exists()
    {
        using var setup = new AccountsSetup(Users, "@esp.sn postmaster@esp.sn\n");

        Assert.Equal(["bob@esp.sn"], (await setup.Resolver.ResolveAsync("bob@esp.sn")).Mailboxes);
        Assert.Equal(["postmaster@esp.sn"], (await setup.Resolver.ResolveAsync("unknown@esp.sn")).Mailboxes);
    }

    [Fact]
    public async Task Aliases_expand_recursively_and_remote_targets_are_listed_apart()
    {
        using var setup = new AccountsSetup(Users, """
            team@esp.sn     alice@esp.sn, leads@esp.sn, partner@gmail.com
            leads@esp.sn    bob@esp.sn, Carol@example.org, alice@esp.sn
            """);

        var result = await setup.Resolver.ResolveAsync("team@esp.sn");

        Assert.Equal(RecipientKind.Local, result.Kind);
        Assert.Equal(["alice@esp.sn", "bob@esp.sn", "Carol@Example.org"], result.Mailboxes);
        Assert.Equal(["partner@gmail.com"], result.RemoteTargets);
    }

    [Fact]
    public async Task An_alias_to_only_remote_targets_is_local_with_remote_targets()
    {
        using var setup = new AccountsSetup(Users, "fwd@esp.sn someone@gmail.com\n");

        var result = await setup.Resolver.ResolveAsync("fwd@esp.sn");

        Assert.Equal(RecipientKind.Local, result.Kind);
        Assert.Empty(result.Mailboxes);
        Assert.Equal(["someone@gmail.com"], result.RemoteTargets);
    }

    [Fact]
    public async Task An_alias_that_includes_itself_delivers_to_its_own_mailbox()
    {
        using var setup = new AccountsSetup(Users, "alice@esp.sn alice@esp.sn, alice@gmail.com\n");

        var result = await setup.Resolver.ResolveAsync("alice@esp.sn");

        Assert.Equal(["alice@esp.sn"], result.Mailboxes);
        Assert.Equal(["alice@gmail.com"], result.RemoteTargets);
        Assert.Empty(setup.Logs.Warnings);
    }

    [Fact]
    public async Task An_alias_loop_is_cut_and_delivers_to_the_mailboxes_on_the_way()
    {
        using var setup = new AccountsSetup(Users, """
            a@esp.sn  b@esp.sn
            b@esp.sn  c@esp.sn, bob@esp.sn
            c@esp.sn  a@esp.sn
            """);

        var result = await setup.Resolver.ResolveAsync("a@esp.sn");

        Assert.Equal(["bob@esp.sn"], result.Mailboxes);
        Assert.Contains(setup.Logs.Warnings, w => w.Contains("loops back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_loop_with_no_mailbox_anywhere_is_unknown()
    {
        using var setup = new AccountsSetup(Users, "x@esp.sn y@esp.sn\ny@esp.sn x@esp.sn\n");

        Assert.Equal(RecipientKind.UnknownLocalUser, (await setup.Resolver.ResolveAsync("x@esp.sn")).Kind);
    }

    [Fact]
    public async Task A_catch_all_pointing_to_an_unknown_user_of_its_own_domain_does_not_loop_forever()
    {
        using var setup = new AccountsSetup(Users, "@esp.sn ghost@esp.sn\n");

        Assert.Equal(RecipientKind.UnknownLocalUser, (await setup.Resolver.ResolveAsync("someone@esp.sn")).Kind);
    }

    [Fact]
    public async Task Expansion_stops_at_the_depth_limit()
    {
        // chain0 -> chain1 -> … -> chain29 -> alice: deeper than the limit, so alice is never reached.
        var lines = Enumerable.Range(0, 30).Select(i => $"chain{i}@esp.sn chain{i + 1}@esp.sn").Append("chain30@esp.sn alice@esp.sn");
        using var setup = new AccountsSetup(Users, string.Join('\n', lines));

        var shallow = await setup.Resolver.ResolveAsync($"chain{30 - RecipientResolver.MaxDepth + 1}@esp.sn");
        var deep = await setup.Resolver.ResolveAsync("chain0@esp.sn");

        Assert.Equal(["alice@esp.sn"], shallow.Mailboxes);
        Assert.Equal(RecipientKind.UnknownLocalUser, deep.Kind);
        Assert.Contains(setup.Logs.Warnings, w => w.Contains("deeper than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("../alice@esp.sn")]
    [InlineData("alice/../../etc@esp.sn")]
    [InlineData("al\0ice@esp.sn")]
    [InlineData("alice\r\n@esp.sn")]
    [InlineData("alice@esp.sn/..")]
    [InlineData("alice")]
    [InlineData("")]
    public async Task Path_tricks_never_resolve_to_a_mailbox(string address)
    {
        using var setup = new AccountsSetup(Users);

        var result = await setup.Resolver.ResolveAsync(address);

        Assert.Empty(result.Mailboxes);
        Assert.NotEqual(RecipientKind.Remote, result.Kind);
    }

    [Fact]
    public async Task A_user_added_to_the_file_is_found_after_the_next_check()
    {
        using var setup = new AccountsSetup(Users);
        Assert.Equal(RecipientKind.UnknownLocalUser, (await setup.Resolver.ResolveAsync("dan@esp.sn")).Kind);

        File.AppendAllText(setup.Options.AccountsFile, "\ndan@esp.sn:{PLAIN}d:::::\n");
        setup.Time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(RecipientKind.UnknownLocalUser, (await setup.Resolver.ResolveAsync("dan@esp.sn")).Kind); // checked at most once a second

        setup.Time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(["dan@esp.sn"], (await setup.Resolver.ResolveAsync("dan@esp.sn")).Mailboxes);
    }
}
