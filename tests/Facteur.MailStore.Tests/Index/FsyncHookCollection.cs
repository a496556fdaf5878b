using Xunit;

namespace Facteur.MailStore.Tests.Index;

/// <summary>Tests that set the process-wide fsync hooks run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FsyncHookCollection
{
    public const string Name = "fsync hooks";
}
