using Facteur.Delivery;
using Facteur.Hosting;
using Facteur.Hosting.Bus;

var builder = FacteurApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddDelivery();
builder.AddFacteurBus();

var app = builder.Build();
app.MapFacteurDefaults();
app.Run();
