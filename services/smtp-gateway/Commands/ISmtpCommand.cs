using System.Buffers;
using Facteur.SmtpGateway.Session;

namespace Facteur.SmtpGateway.Commands;

/// <summary>One command's behaviour. The session has already checked the state table.</summary>
internal interface ISmtpCommand
{
    /// <param name="arguments">What follows the verb and its SP (empty when none).</param>
    /// <param name="hasArguments">A SP followed the verb.</param>
    ValueTask<CommandOutcome> HandleAsync(SmtpSession session, ReadOnlySequence<byte> arguments, bool hasArguments, CancellationToken cancellationToken);
}
