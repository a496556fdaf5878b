using Microsoft.AspNetCore.Builder;

namespace Facteur.Hosting;

/// <summary>How the mail services (standalone, gateway, delivery, mailbox-api, webmail) create their host builder.</summary>
public static class FacteurApplication
{
    /// <summary>
    /// <see cref="WebApplication.CreateBuilder(string[])"/> without reloading appsettings.json on change.
    /// Reloading watches the content root — the working directory — with a recursive inotify
    /// watcher: the standalone's default mail root (<c>./data/mail</c>) lies under it, so every
    /// Maildir folder got a watch (exhausting <c>fs.inotify.max_user_watches</c> on a large mail
    /// store) and every delivery, flag rename and expunge woke the watcher. Configuration is read
    /// at start, as Postfix's and Dovecot's is; a change needs a restart. The switch goes first so
    /// an administrator's own <c>--hostBuilder:reloadConfigOnChange=true</c> still wins.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
}
