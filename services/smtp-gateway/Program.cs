using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddSmtpGateway();
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.Run();
