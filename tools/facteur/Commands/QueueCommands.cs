using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Facteur.Cli.Configuration;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Facteur.Cli.Commands;

/// <summary>One relay command waiting for another attempt.</summary>
internal sealed record WaitingMail(string Id, string Where, string QueueId, string Sender, string Domain, IReadOnlyList<string> Recipients, int Attempts, DateTimeOffset ReceivedAt, string? DueAt);

/// <summary>
/// <c>facteur queue list|show|retry|delete</c> over mail waiting for a retry. Over RabbitMQ the
/// waiting mail is in the <c>relay-retry-&lt;n&gt;</c> queues themselves (no second record to keep in
/// step): list/show read them with basic.get and let the unacked messages go back when the
/// channel closes; retry acks the message after republishing it, unchanged, to the <c>relay</c>
/// queue; delete acks it without republishing. In the standalone host (<c>Facteur:Transport=InMemory</c>)
/// the waiting mail is the relay spool (<c>{SpoolRoot}/relay/</c>): retry makes it due now,
/// delete removes the entry.
/// </summary>
internal static class QueueCommands
{
    public static Command Build(GlobalOptions global, CliConsole console)
    {
        var queue = new Command("queue", "Mail waiting for another delivery attempt to a remote server");
        queue.Subcommands.Add(List(global, console));
        queue.Subcommands.Add(Show(global, console));
        queue.Subcommands.Add(Act(global, console, "retry", "Try a waiting message again now"));
        queue.Subcommands.Add(Act(global, console, "delete", "Drop a waiting message (no DSN is sent)"));
        return queue;
    }

    private static Command List(GlobalOptions global, CliConsole console)
    {
        var command = new Command("list", "List mail waiting for a retry");
        command.SetAction(result =>
        {
            var waiting = Store(global.Settings(result, console)).List();
            foreach (var mail in waiting)
            {
                console.Out.WriteLine($"{mail.Id}  {mail.QueueId}  {Sender(mail.Sender)} -> {string.Join(", ", mail.Recipients)}  attempts={mail.Attempts}  {mail.Where}");
            }

            console.Out.WriteLine($"{waiting.Count} message(s) waiting");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(GlobalOptions global, CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "The id printed by 'queue list'" };
        var command = new Command("show", "Show one waiting message") { id };
        command.SetAction(result =>
        {
            var wanted = result.GetValue(id)!;
            var mail = Store(global.Settings(result, console)).List().FirstOrDefault(m => m.Id == wanted)
                ?? throw new CommandFailedException($"no waiting message {wanted}");
            console.Out.WriteLine($"id:          {mail.Id}");
            console.Out.WriteLine($"queue id:    {mail.QueueId}");
            console.Out.WriteLine($"sender:      {Sender(mail.Sender)}");
            console.Out.WriteLine($"domain:      {mail.Domain}");
            console.Out.WriteLine($"recipients:  {string.Join(", ", mail.Recipients)}");
            console.Out.WriteLine($"received:    {mail.ReceivedAt.ToString("u", CultureInfo.InvariantCulture)}");
            console.Out.WriteLine($"attempts:    {mail.Attempts}");
            console.Out.WriteLine($"waiting in:  {mail.Where}");
            if (mail.DueAt is not null)
            {
                console.Out.WriteLine($"next try:    {mail.DueAt}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Act(GlobalOptions global, CliConsole console, string name, string description)
    {
        var id = new Argument<string>("id") { Description = "The id printed by 'queue list'" };
        var command = new Command(name, description) { id };
        command.SetAction(result =>
        {
            var wanted = result.GetValue(id)!;
            var store = Store(global.Settings(result, console));
            if (!(name == "retry" ? store.Retry(wanted) : store.Delete(wanted)))
            {
                throw new CommandFailedException($"no waiting message {wanted}");
            }

            console.Out.WriteLine(name == "retry" ? $"{wanted} queued for delivery now" : $"{wanted} deleted");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Sender(string sender) => sender.Length == 0 ? "<>" : sender;

    private static IWaitingMailStore Store(CliSettings settings)
    {
        var configuration = settings.Configuration;
        if (string.Equals(configuration["Facteur:Transport"], "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            var spoolRoot = Path.GetFullPath(configuration["Facteur:SpoolRoot"] ?? "/var/spool/facteur", settings.WorkingDirectory);
            return new SpoolWaitingMail(Path.Combine(spoolRoot, "relay"));
        }

        var url = configuration.GetConnectionString("RabbitMq")
            ?? throw new CommandFailedException("ConnectionStrings:RabbitMq is not set (or set Facteur:Transport=InMemory for the standalone host)");
        var steps = configuration.GetSection("Relay:RetrySchedule").GetChildren().Count();
        return new BrokerWaitingMail(new Uri(url), configuration["Bus:EntityPrefix"] ?? string.Empty, steps > 0 ? steps : 6);
    }
}

internal interface IWaitingMailStore
{
    List<WaitingMail> List();

    bool Retry(string id);

    bool Delete(string id);
}

/// <summary>The relay-retry-&lt;n&gt; queues, read with basic.get (see <see cref="QueueCommands"/>).</summary>
internal sealed class BrokerWaitingMail(Uri url, string prefix, int steps) : IWaitingMailStore
{
    public List<WaitingMail> List() => Walk((_, _, _) => false).All;

    public bool Retry(string id) => Walk((channel, message, mail) =>
    {
        if (mail.Id != id)
        {
            return false;
        }

        // Republished unchanged (MassTransit envelope and headers) straight into the relay queue.
        var properties = new BasicProperties(message.BasicProperties) { Persistent = true };
        channel.BasicPublishAsync(string.Empty, prefix + "relay", true, properties, message.Body).AsTask().GetAwaiter().GetResult();
        return true;
    }).Taken.Count > 0;

    public bool Delete(string id) => Walk((_, _, mail) => mail.Id == id).Taken.Count > 0;

    /// <summary>
    /// Reads every waiting message; <paramref name="take"/> decides, per message, whether it is
    /// acked (taken out). Returns every message seen and the taken ones.
    /// </summary>
    private (List<WaitingMail> All, List<WaitingMail> Taken) Walk(Func<IChannel, BasicGetResult, WaitingMail, bool> take)
    {
        try
        {
            var factory = new ConnectionFactory { Uri = url };
            using var connection = factory.CreateConnectionAsync("facteur-cli").GetAwaiter().GetResult();
            using var channel = connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)).GetAwaiter().GetResult();
            var all = new List<WaitingMail>();
            var taken = new List<WaitingMail>();
            for (var step = 1; step <= steps; step++)
            {
                var queue = prefix + "relay-retry-" + step.ToString(CultureInfo.InvariantCulture);
                uint count;
                try
                {
                    count = channel.QueueDeclarePassiveAsync(queue).GetAwaiter().GetResult().MessageCount;
                }
                catch (OperationInterruptedException)
                {
                    break; // no such queue: the relay never needed this step
                }

                for (var i = 0; i < count; i++)
                {
                    var message = channel.BasicGetAsync(queue, autoAck: false).GetAwaiter().GetResult();
                    if (message is null)
                    {
                        break;
                    }

                    var mail = Parse(message.Body.Span, queue);
                    all.Add(mail);
                    if (take(channel, message, mail))
                    {
                        channel.BasicAckAsync(message.DeliveryTag, multiple: false).AsTask().GetAwaiter().GetResult();
                        taken.Add(mail);
                    }
                }
            }

            // Closing the channel returns every unacked message to its queue.
            return (all, taken);
        }
        catch (BrokerUnreachableException e)
        {
            throw new CommandFailedException($"RabbitMQ at {url.Host}:{url.Port} is unreachable: {e.Message}");
        }
    }

    private static WaitingMail Parse(ReadOnlySpan<byte> body, string queue)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        var message = root.GetProperty("message");
        return new WaitingMail(
            root.TryGetProperty("messageId", out var id) ? id.GetString() ?? "?" : "?",
            queue,
            Text(message, "queueId"),
            Text(message, "reversePath"),
            Text(message, "domain"),
            message.TryGetProperty("recipients", out var recipients) ? [.. recipients.EnumerateArray().Select(r => r.GetString() ?? string.Empty)] : [],
            message.TryGetProperty("attempts", out var attempts) ? attempts.GetInt32() : 0,
            message.TryGetProperty("receivedAt", out var received) ? received.GetDateTimeOffset() : default,
            null);
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() ?? string.Empty : string.Empty;
}

/// <summary>The standalone host's relay spool: <c>&lt;id&gt;.json</c> + <c>.eml</c>, with <c>.next</c> while waiting.</summary>
internal sealed class SpoolWaitingMail(string folder) : IWaitingMailStore
{
    public List<WaitingMail> List()
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var waiting = new List<WaitingMail>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            using var entry = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = entry.RootElement;
            JsonElement? next = File.Exists(NextPath(id)) ? JsonDocument.Parse(File.ReadAllBytes(NextPath(id))).RootElement : null;
            waiting.Add(new WaitingMail(
                id,
                next is null ? "spool (being tried)" : "spool",
                root.GetProperty("QueueId").GetString() ?? string.Empty,
                root.GetProperty("ReversePath").GetString() ?? string.Empty,
                root.GetProperty("Domain").GetString() ?? string.Empty,
                [.. root.GetProperty("Recipients").EnumerateArray().Select(r => r.GetString() ?? string.Empty)],
                next?.GetProperty("Attempts").GetInt32() ?? 0,
                root.GetProperty("ReceivedAt").GetDateTimeOffset(),
                next?.GetProperty("DueAt").GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)));
        }

        return waiting;
    }

    public bool Retry(string id)
    {
        var path = NextPath(Checked(id));
        if (!File.Exists(path))
        {
            return false;
        }

        // The running relay's spool pass picks it up at its next poll.
        var state = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllBytes(path))!;
        state["DueAt"] = JsonSerializer.SerializeToElement(DateTimeOffset.UtcNow.AddSeconds(-1));
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(state));
        File.Move(tmp, path, overwrite: true);
        return true;
    }

    public bool Delete(string id)
    {
        var json = Path.Combine(folder, Checked(id) + ".json");
        if (!File.Exists(json))
        {
            return false;
        }

        File.Delete(json);
        File.Delete(Path.Combine(folder, id + ".eml"));
        File.Delete(NextPath(id));
        File.Delete(Path.Combine(folder, id + ".inflight"));
        return true;
    }

    private string NextPath(string id) => Path.Combine(folder, id + ".next");

    private static string Checked(string id) =>
        id.Length == 32 && id.All(char.IsAsciiHexDigit) ? id : throw new CommandFailedException($"'{id}' is not a spool id (32 hex digits)");
}
