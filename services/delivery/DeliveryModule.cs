using Microsoft.AspNetCore.Builder;

namespace Facteur.Delivery;

/// <summary>Delivery as a module: consumers that write Maildir copies (and hand remote recipients to the relay).</summary>
public static class DeliveryModule
{
    // SKELETON: consumers are registered by the delivery work.
    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder) => builder;
}
