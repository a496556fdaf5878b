using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Facteur.MailStore.Index;

public static class MessageStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MessageStore"/> (singleton) and binds <see cref="MailboxOptions"/> (section <c>Mailbox</c>).
    /// <paramref name="mailRoot"/> gives Facteur:MailRoot, e.g. <c>sp => sp.GetRequiredService&lt;IOptions&lt;FacteurOptions&gt;&gt;().Value.MailRoot</c>.
    /// </summary>
    public static IServiceCollection AddMessageStore(this IServiceCollection services, Func<IServiceProvider, string> mailRoot)
    {
        ArgumentNullException.ThrowIfNull(mailRoot);
        services.AddOptions<MailboxOptions>().BindConfiguration(MailboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new MessageStore(mailRoot(sp), sp.GetRequiredService<IOptions<MailboxOptions>>().Value));
        return services;
    }
}
