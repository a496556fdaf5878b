using Facteur.Delivery;
using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Pop3;
using Facteur.SmtpGateway;
using Facteur.Standalone;
using Facteur.Webmail;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddStandaloneDefaults();
builder.AddFacteurDefaults();
builder.AddSmtpGateway();
builder.AddDelivery();
builder.AddPop3();
builder.AddImap();
builder.AddWebmail();
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.MapWebmail();
app.Run();
