using Facteur.Edge;
using Facteur.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddFacteurDefaults();
builder.AddEdge();

var app = builder.Build();
app.MapFacteurDefaults();
app.MapEdge();
app.Run();
