namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>The test classes that share one stack and one browser (starting them takes a while).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<BrowserStackFixture>
{
    public const string Name = "webmail stack";
}
