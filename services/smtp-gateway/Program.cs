using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddSmtpGateway();

// Smtp:InlineScheduling (gateway process only; README.md): Kestrel runs each connection's receive
// loop, its SMTP session and its reply's send on the pool thread that took the socket's completion,
// instead of handing the bytes to a second pool thread and the reply to an I/O queue thread: one
// thread hand-off per command instead of three, and one per received chunk of DATA instead of two.
// The session never blocks a thread for long here (fsyncs and the broker's confirm are awaited).
if (builder.Configuration.GetValue($"{SmtpOptions.SectionName}:{nameof(SmtpOptions.InlineScheduling)}", true))
{
    builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
}
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.Run();
