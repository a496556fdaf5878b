using System.Collections.Concurrent;
using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Facteur.E2E.Tests.Infrastructure;

/// <summary>
/// Sends the messages of a <see cref="MailPlan"/> from several concurrent clients (MailKit),
/// bounded in time. A 4xx or a broken connection before the final 250 puts the message back in
/// the queue, as a sending MTA retries; the time of the 250 is recorded ("accepted").
/// </summary>
internal sealed class PlannedSender(MailPlan plan, string run, int mxPort, int submissionPort)
{
    public ConcurrentDictionary<int, DateTime> Accepted { get; } = new();

    public ConcurrentBag<string> Refused { get; } = [];

    /// <summary>Message number → why each earlier attempt failed (for the report of a duplicate).</summary>
    public ConcurrentDictionary<int, ConcurrentQueue<string>> Retries { get; } = new();

    /// <summary>
    /// Message number → attempts whose outcome the client cannot know: a 4xx to the end of DATA
    /// or a connection lost mid-transaction. The server may have stored the message anyway (a
    /// publisher confirm lost with the broker connection); the client must send again
    /// (RFC 5321 §4.5.4.1), and RFC 5321 §6.1 prefers that duplicate to a loss.
    /// </summary>
    public ConcurrentDictionary<int, int> AmbiguousAttempts { get; } = new();

    public int Sent => _sent;

    public int TemporaryFailures => _temporaryFailures;

    /// <summary>
    /// Clients wait before sending more once this many messages are accepted, until
    /// <see cref="Resume"/> (bounded by the send timeout): lets the test take the broker down
    /// while messages are still to be sent.
    /// </summary>
    public int PauseAt { get; init; } = int.MaxValue;

    public TaskCompletionSource Resume { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _sent;
    private int _temporaryFailures;

    public static string Subject(string run, int n) => $"{run}-{n:D6}";

    /// <summary>
    /// One Message-ID per message, the same on every attempt: a sending MTA retries the message it
    /// has queued, not a new one, so a copy stored twice shows up as two files with one Message-ID.
    /// </summary>
    public static string MessageId(string run, int n) => $"{run}.{n:D6}@e2e.example.org";

    public async Task SendAsync(int count, int clients, TimeSpan timeout)
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
            SmtpClient? mx = null;
            try
            {
                await foreach (var n in work.Reader.ReadAllAsync(cts.Token))
                {
                    if (Accepted.Count >= PauseAt)
                    {
                        await Resume.Task.WaitAsync(cts.Token);
                    }

                    var message = Message(n, client);
                    var recipients = plan.Recipients(n).Select(MailboxAddress.Parse).ToList();
                    Interlocked.Increment(ref _sent);
                    try
                    {
                        if (plan.IsSubmission(n))
                        {
                            using var submission = await ConnectAsync(submissionPort, plan.Address(MailPlan.Submitter), cts.Token);
                            await submission.SendAsync(message, (MailboxAddress)message.From[0], recipients, cts.Token);
                            await submission.DisconnectAsync(true, cts.Token);
                        }
                        else
                        {
                            mx ??= await ConnectAsync(mxPort, null, cts.Token);
                            await mx.SendAsync(message, (MailboxAddress)message.From[0], recipients, cts.Token);
                        }

                        Accepted[n] = DateTime.UtcNow;
                        Finished();
                    }
                    catch (SmtpCommandException e) when ((int)e.StatusCode is >= 400 and < 500)
                    {
                        if (e.ErrorCode == SmtpErrorCode.MessageNotAccepted)
                        {
                            AmbiguousAttempts.AddOrUpdate(n, 1, (_, c) => c + 1);
                        }

                        await RetryAsync(n, $"{(int)e.StatusCode} {e.Message}");
                    }
                    catch (SmtpCommandException e)
                    {
                        Refused.Add($"{Subject(run, n)}: {(int)e.StatusCode} {e.Message}");
                        Finished();
                    }
                    catch (Exception e) when (e is IOException or SmtpProtocolException or System.Net.Sockets.SocketException or MailKit.ServiceNotConnectedException)
                    {
                        AmbiguousAttempts.AddOrUpdate(n, 1, (_, c) => c + 1);
                        await RetryAsync(n, $"{e.GetType().Name}: {e.Message}");
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                mx?.Dispose();
            }

            async Task RetryAsync(int n, string reason)
            {
                Retries.GetOrAdd(n, _ => new ConcurrentQueue<string>()).Enqueue(reason);
                Interlocked.Increment(ref _temporaryFailures);
                mx?.Dispose();
                mx = null;
                await Task.Delay(250, CancellationToken.None);
                work.Writer.TryWrite(n);
            }
        });
        await Task.WhenAll(workers);
    }

    private MimeMessage Message(int n, int client)
    {
        var from = plan.IsSubmission(n) ? plan.Address(MailPlan.Submitter) : $"sender{client}@remote.example";
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var to in plan.Recipients(n))
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = Subject(run, n);
        message.MessageId = MessageId(run, n);
        message.Body = new TextPart("plain") { Text = $"message {n} from client {client}\n" + new string('x', 64 * (n % 16)) };
        return message;
    }

    private static async Task<SmtpClient> ConnectAsync(int port, string? user, CancellationToken ct)
    {
        var smtp = new SmtpClient { Timeout = 60_000, ServerCertificateValidationCallback = (_, _, _, _) => true };
        await smtp.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, ct);
        if (user is not null)
        {
            await smtp.AuthenticateAsync(user, E2ESite.Password, ct);
        }

        return smtp;
    }
}
