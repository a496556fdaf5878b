using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Facteur.Hosting.Bus;

// SKELETON: minimal transport selection so every module compiles; the durability work
// (publisher confirms, quorum queues, claim-check repository) replaces it.
public static class FacteurBus
{
    public static IHostApplicationBuilder AddFacteurBus(this IHostApplicationBuilder builder)
    {
        var registrations = FacteurBusExtensions.Registrations(builder);
        var transport = builder.Configuration.GetValue($"{FacteurOptions.SectionName}:Transport", FacteurTransport.RabbitMq);
        builder.Services.AddMassTransit(x =>
        {
            foreach (var register in registrations)
            {
                register(x);
            }

            if (transport == FacteurTransport.InMemory)
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
            else
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(builder.Configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/"));
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return builder;
    }
}
