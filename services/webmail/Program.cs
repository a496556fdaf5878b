using Facteur.Hosting;
using Facteur.Webmail;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddWebmail();

var app = builder.Build();
app.MapFacteurDefaults();
app.MapWebmail();
app.Run();
