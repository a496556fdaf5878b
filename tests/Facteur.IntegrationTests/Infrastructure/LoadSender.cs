using System.Collections.Concurrent;
using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>
/// Sends numbered messages from several concurrent SMTP sessions (MailKit), bounded in count and
/// time, and records which got 250 ("accepted"). A message that gets a 4xx or loses its
/// connection before the 250 is sent again later, as a real MTA would.
/// </summary>
internal sealed class LoadSender(int port, string run, IReadOnlyList<string> recipients)
{
    public ConcurrentDictionary<string, DateTime> Accepted { get; } = new();

    public ConcurrentBag<string> Refused { get; } = [];

    public int TemporaryFailures => _temporaryFailures;

    /// <summary>When set, every fifth message goes through authenticated submission as this user.</summary>
    public string? Submitter { get; init; }

    public int SubmissionPort { get; init; }

    private int _temporaryFailures;

    /// <summary>
    /// The n-th acceptance, counted once each: two clients adding to <see cref="Accepted"/> at once could
    /// both read its Count as the same number, so a callback waiting for one exact count missed it.
    /// </summary>
    private int _acceptances;

    public async Task SendAsync(int count, int clients, TimeSpan timeout, Action<int>? onAccepted = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        var work = Channel.CreateUnbounded<int>();
        for (var n = 0; n < count; n++)
        {
            work.Writer.TryWrite(n);
        }

        var done = 0;
        void Finished()
        {
            if (Interlocked.Increment(ref done) == count)
            {
                work.Writer.TryComplete();
            }
        }

        var workers = Enumerable.Range(0, clients).Select(async client =>
        {
            SmtpClient? smtp = null;
            try
            {
                await foreach (var n in work.Reader.ReadAllAsync(cts.Token))
                {
                    var subject = MessageTokens.Subject(run, n);
                    var useSubmission = Submitter is not null && n % 5 == 0;
                    var from = useSubmission ? Submitter! : $"sender{client}@remote.example";
                    var to = recipients[n % recipients.Count];
                    try
                    {
                        if (useSubmission)
                        {
                            using var submission = await Connect(SubmissionPort, Submitter, cts.Token);
                            await submission.SendAsync(SmtpClients.Message(from, to, subject, $"message {n}"), cts.Token);
                            await submission.DisconnectAsync(true, cts.Token);
                        }
                        else
                        {
                            smtp ??= await Connect(port, null, cts.Token);
                            await smtp.SendAsync(SmtpClients.Message(from, to, subject, $"message {n} from client {client}"), cts.Token);
                        }

                        Accepted[subject] = DateTime.UtcNow;
                        onAccepted?.Invoke(Interlocked.Increment(ref _acceptances));
                        Finished();
                    }
                    catch (SmtpCommandException e) when ((int)e.StatusCode is >= 400 and < 500)
                    {
                        await Retry(n);
                    }
                    catch (SmtpCommandException e)
                    {
                        Refused.Add($"{subject}: {(int)e.StatusCode} {e.Message}");
                        Finished();
                    }
                    catch (Exception e) when (e is IOException or SmtpProtocolException or System.Net.Sockets.SocketException or MailKit.ServiceNotConnectedException)
                    {
                        await Retry(n);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                smtp?.Dispose();
            }

            async Task Retry(int n)
            {
                Interlocked.Increment(ref _temporaryFailures);
                smtp?.Dispose();
                smtp = null;
                await Task.Delay(250, CancellationToken.None);
                work.Writer.TryWrite(n);
            }
        });
        await Task.WhenAll(workers);
    }

    private static async Task<SmtpClient> Connect(int port, string? user, CancellationToken ct)
    {
        var smtp = new SmtpClient { Timeout = 60_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        await smtp.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, ct);
        if (user is not null)
        {
            await smtp.AuthenticateAsync(user, TestSite.Password, ct);
        }

        return smtp;
    }
}
