using Facteur.Delivery;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.SmtpGateway;
using Facteur.Standalone;
using Facteur.Webmail;

var builder = WebApplication.CreateBuilder(args);
builder.AddStandaloneDefaults();
builder.AddFacteurDefaults();
builder.AddSmtpGateway();
builder.AddDelivery();
builder.AddWebmail();
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.MapWebmail();
app.Run();
