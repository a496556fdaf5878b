using System.ComponentModel.DataAnnotations;

namespace Facteur.Delivery;

/// <summary>The <c>Delivery</c> section.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Delivery";

    /// <summary>Messages one worker delivers at once (also the broker prefetch).</summary>
    [Range(1, 512)]
    public int ConcurrentMessageLimit { get; set; } = 16;
}
