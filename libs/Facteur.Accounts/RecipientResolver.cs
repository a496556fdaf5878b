using Facteur.Accounts.Addresses;
using Facteur.Accounts.Aliases;
using Facteur.Accounts.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Facteur.Accounts;

/// <summary>
/// Resolves a recipient the way Postfix's virtual(5) does, over Facteur's local domains, passwd-file users and
/// aliases. For <c>user+ext@domain</c> the lookup order is (virtual(5), ADDRESS EXTENSION):
/// alias <c>user+ext@domain</c>, alias <c>user@domain</c>, then the user's mailbox, then the catch-all
/// <c>@domain</c>. Unlike Postfix, an existing user is delivered to even when a catch-all exists, so a site
/// does not need the usual <c>user@domain user@domain</c> lines.
/// </summary>
internal sealed class RecipientResolver : IRecipientResolver
{
    /// <summary>How deep aliases may nest (Postfix's virtual_alias_recursion_limit is 1000; real tables need a few).</summary>
    internal const int MaxDepth = 20;

    /// <summary>How many addresses one recipient may expand to (Postfix's virtual_alias_expansion_limit).</summary>
    internal const int MaxTargets = 1000;

    private readonly LocalDomains _domains;
    private readonly UserDirectory _users;
    private readonly AliasTable _aliases;
    private readonly string _delimiters;
    private readonly ILogger _logger;

    public RecipientResolver(LocalDomains domains, UserDirectory users, AliasTable aliases, IOptions<AccountsOptions> options, ILogger<RecipientResolver> logger)
    {
        _domains = domains;
        _users = users;
        _aliases = aliases;
        _delimiters = options.Value.RecipientDelimiter ?? string.Empty;
        _logger = logger;
    }

    public bool IsLocalDomain(string domain) => _domains.Contains(domain);

    public ValueTask<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Resolve(address));
    }

    internal RecipientResolution Resolve(string address)
    {
        if (!MailAddress.TryParse(address, out var parsed))
        {
            // Not something any mailbox or relay could take (control characters, no domain…): refuse it.
            return RecipientResolution.Unknown;
        }

        if (!_domains.ContainsKey(parsed.Domain))
        {
            return RecipientResolution.Remote;
        }

        // One snapshot of each file for the whole expansion, so a reload half-way cannot mix two versions.
        var expansion = new Expansion(parsed.Text, _users.Current, _aliases.Current);
        Expand(parsed, 0, new HashSet<string>(StringComparer.Ordinal), expansion);
        return expansion.Mailboxes.Count + expansion.RemoteTargets.Count == 0
            ? RecipientResolution.Unknown
            : new RecipientResolution(RecipientKind.Local, expansion.Mailboxes, expansion.RemoteTargets);
    }

    private void Expand(MailAddress address, int depth, HashSet<string> path, Expansion expansion)
    {
        if (expansion.Full)
        {
            return;
        }

        if (!_domains.ContainsKey(address.Domain))
        {
            expansion.AddRemote(address.Text);
            return;
        }

        var strippedKey = address.LocalPartWithoutExtension(_delimiters) is { } bare
            ? MailAddress.LookupKey(bare, address.Domain)
            : null;

        var alias = expansion.Aliases.Find(address.Key) ?? (strippedKey is null ? null : expansion.Aliases.Find(strippedKey));
        if (alias is not null)
        {
            ExpandAlias(alias, address, strippedKey, depth, path, expansion);
            return;
        }

        if (DeliverToMailbox(address, strippedKey, expansion))
        {
            return;
        }

        var catchAll = expansion.Aliases.Find("@" + address.Domain);
        if (catchAll is not null)
        {
            ExpandAlias(catchAll, address, strippedKey, depth, path, expansion);
            return;
        }

        if (depth > 0)
        {
            AccountsLog.AliasTargetUnknown(_logger, expansion.Original, address.Text);
        }
    }

    private void ExpandAlias(VirtualAlias alias, MailAddress address, string? strippedKey, int depth, HashSet<string> path, Expansion expansion)
    {
        if (path.Contains(alias.Key))
        {
            // The address came back to an alias that is already being expanded. Postfix does not expand it
            // again: an alias that includes itself (`a@d a@d, b@d`) delivers to its own mailbox; a longer
            // cycle ends there too, and only has nowhere to go when there is no such mailbox.
            if (!DeliverToMailbox(address, strippedKey, expansion))
            {
                AccountsLog.AliasLoop(_logger, expansion.Original, address.Text);
            }

            return;
        }

        if (depth >= MaxDepth)
        {
            AccountsLog.AliasTooDeep(_logger, expansion.Original, MaxDepth);
            return;
        }

        path.Add(alias.Key);
        foreach (var target in alias.Targets)
        {
            if (MailAddress.TryParse(target, out var next))
            {
                Expand(next, depth + 1, path, expansion);
            }

            if (expansion.Full)
            {
                AccountsLog.AliasTooWide(_logger, expansion.Original, MaxTargets);
                break;
            }
        }

        path.Remove(alias.Key);
    }

    private static bool DeliverToMailbox(MailAddress address, string? strippedKey, Expansion expansion)
    {
        var user = expansion.Users.Find(address.Key) ?? (strippedKey is null ? null : expansion.Users.Find(strippedKey));
        if (user is null)
        {
            return false;
        }

        expansion.AddMailbox(user.UserName);
        return true;
    }

    private sealed class Expansion(string original, PasswdFile users, VirtualAliasFile aliases)
    {
        private readonly HashSet<string> _seenMailboxes = new(StringComparer.Ordinal);
        private readonly HashSet<string> _seenRemote = new(StringComparer.OrdinalIgnoreCase);

        public string Original { get; } = original;

        public PasswdFile Users { get; } = users;

        public VirtualAliasFile Aliases { get; } = aliases;

        public List<string> Mailboxes { get; } = [];

        public List<string> RemoteTargets { get; } = [];

        public bool Full => Mailboxes.Count + RemoteTargets.Count >= MaxTargets;

        public void AddMailbox(string user)
        {
            if (_seenMailboxes.Add(user))
            {
                Mailboxes.Add(user);
            }
        }

        public void AddRemote(string address)
        {
            if (_seenRemote.Add(address))
            {
                RemoteTargets.Add(address);
            }
        }
    }
}
