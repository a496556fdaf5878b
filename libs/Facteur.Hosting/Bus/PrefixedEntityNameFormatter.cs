using MassTransit;

namespace Facteur.Hosting.Bus;

/// <summary>Exchange names with <see cref="BusOptions.EntityPrefix"/> in front.</summary>
internal sealed class PrefixedEntityNameFormatter(string prefix, IEntityNameFormatter inner) : IEntityNameFormatter
{
    public string FormatEntityName<T>() => prefix + inner.FormatEntityName<T>();
}
