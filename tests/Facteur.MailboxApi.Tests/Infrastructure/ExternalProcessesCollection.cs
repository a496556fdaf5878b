namespace Facteur.MailboxApi.Tests.Infrastructure;

/// <summary>
/// Tests that drive external programs (Dovecot, fetchmail, getmail) with hundreds of messages run
/// alone, not in parallel with the rest: on two cores they would otherwise starve each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExternalProcessesCollection
{
    public const string Name = "External processes";
}
