using System.Collections.Concurrent;
using Facteur.Accounts;

namespace Facteur.Delivery.Tests;

/// <summary>A recipient table standing in for the accounts library (its own tests cover passwd-file and virtual(5) parsing).</summary>
internal sealed class TableResolver(params string[] localDomains) : IRecipientResolver
{
    private readonly ConcurrentDictionary<string, RecipientResolution> table = new(StringComparer.OrdinalIgnoreCase);

    public TableResolver User(string address) => Map(address, new RecipientResolution(RecipientKind.Local, [address], []));

    public TableResolver Alias(string address, string[] mailboxes, string[]? remote = null) =>
        Map(address, new RecipientResolution(RecipientKind.Local, mailboxes, remote ?? []));

    public TableResolver Map(string address, RecipientResolution resolution)
    {
        table[address] = resolution;
        return this;
    }

    public bool IsLocalDomain(string domain) => localDomains.Contains(domain, StringComparer.OrdinalIgnoreCase);

    public ValueTask<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        if (table.TryGetValue(address, out var resolution))
        {
            return ValueTask.FromResult(resolution);
        }

        var domain = address[(address.LastIndexOf('@') + 1)..];
        return ValueTask.FromResult(IsLocalDomain(domain) ? RecipientResolution.Unknown : RecipientResolution.Remote);
    }
}
