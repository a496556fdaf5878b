using Facteur.Hosting;
using Facteur.Hosting.Bus;
using Facteur.MailboxApi.Imap;
using Facteur.MailboxApi.Pop3;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddPop3();
builder.AddImap();
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.Run();
