namespace Facteur.IntegrationTests.Infrastructure;

/// <summary>One smtp-gateway and N delivery workers, each its own process, over one RabbitMQ.</summary>
internal sealed class ServiceTopology(TestSite site, string rabbitMq, int workers) : IAsyncDisposable
{
    public ServiceProcess Gateway { get; } = new("gateway", RepositoryLayout.GatewayDll, site.Root, site.Environment("RabbitMq", rabbitMq));

    public List<ServiceProcess> Workers { get; } = [.. Enumerable.Range(0, workers).Select(i => Worker(site, rabbitMq, i))];

    public async Task StartAsync()
    {
        Gateway.Start();
        foreach (var worker in Workers)
        {
            worker.Start();
        }

        await Gateway.WaitForPortsAsync(TimeSpan.FromSeconds(60), site.SmtpPort, site.SubmissionPort);
    }

    public async Task RestartWorkerAsync(int index)
    {
        Workers[index].Kill();
        await Workers[index].DisposeAsync();
        Workers[index] = Worker(site, rabbitMq, index);
        Workers[index].Start();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var worker in Workers)
        {
            await worker.DisposeAsync();
        }
    }

    private static ServiceProcess Worker(TestSite site, string rabbitMq, int index) =>
        new($"delivery-{index}", RepositoryLayout.DeliveryDll, site.Root, site.Environment("RabbitMq", rabbitMq));
}
