using Facteur.Contracts;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Facteur.Hosting.Bus;

/// <summary>
/// Sits outside an endpoint's retry filter, so it sees only the fault that sends a message to its
/// <c>_error</c> queue (after the last retry, or at once for an ignored exception). The message's
/// claim then moves to <c>claims/held/</c> (<see cref="ClaimCheckRepository.Hold"/>): an operator may
/// move the message back weeks later, and <see cref="ClaimSweeper"/> must not have deleted its body
/// by then. Not for a <see cref="MessageDataException"/> (the claim is missing or was never whole, so
/// no later attempt can deliver it) nor for a consumer stopped by shutdown (the message is not
/// faulted, it goes back to its queue).
/// </summary>
internal sealed partial class ClaimHoldFilter(ClaimCheckRepository claims, ILogger<ClaimHoldFilter> logger) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        try
        {
            await next.Send(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not MessageDataException
            && !(ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            HoldQuietly(context);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("claimHold");

    private void HoldQuietly(ConsumeContext context)
    {
        var address = context.TryGetMessage<MailReceived>(out var received) ? ClaimCheckRepository.AddressOf(received.Message.LargeContent)
            : context.TryGetMessage<RelayMail>(out var relay) ? ClaimCheckRepository.AddressOf(relay.Message.LargeContent)
            : null;
        if (address is null)
        {
            return;
        }

        try
        {
            if (claims.Hold(address))
            {
                LogHeld(logger, address);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or MessageDataException)
        {
            // The fault itself must still reach the error queue; the claim stays where it was.
            LogHoldFailed(logger, ex, address);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claim {Address} held in claims/held/ while its message waits in an _error queue; delete it by hand if that message is purged")]
    private static partial void LogHeld(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not hold claim {Address} of a faulted message; Bus:ClaimRetention still applies to it")]
    private static partial void LogHoldFailed(ILogger logger, Exception exception, Uri address);
}
