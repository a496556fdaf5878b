using System.Net;
using Facteur.Hosting;
using Facteur.Hosting.Health;
using Facteur.Webmail.Auth;
using Facteur.Webmail.Imap;
using Facteur.Webmail.Localization;
using Facteur.Webmail.Mail;
using Facteur.Webmail.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Facteur.Webmail;

/// <summary>
/// The webmail as a module: <c>builder.AddWebmail()</c> registers it and its HTTP listener,
/// <c>app.MapWebmail()</c> (after MapFacteurDefaults) adds its middleware and pages. The
/// standalone host composes it the same way as the webmail container does.
/// </summary>
public static class WebmailModule
{
    public const string CookieName = "facteur.session";
    public const string CultureCookieName = ".AspNetCore.Culture";

    public static WebApplicationBuilder AddWebmail(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebmailOptions>()
            .BindConfiguration(WebmailOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<FacteurOptions>().BindConfiguration(FacteurOptions.SectionName);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebmailTelemetry>();
        services.AddHttpContextAccessor();
        services.TryAddSingleton<MailConnector>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<Texts>();
        services.TryAddSingleton<ImapSessionPool>();
        services.TryAddSingleton<Sessions.RevokedSessions>();
        services.AddHostedService(provider => provider.GetRequiredService<ImapSessionPool>());

        AddListener(builder);
        AddSessions(builder);

        // French pages: emit "é" as is rather than "&#xE9;" (the encoder still escapes markup).
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));

        services.AddRequestLocalization(options =>
        {
            options.SetDefaultCulture(Texts.Cultures[0]);
            options.AddSupportedCultures(Texts.Cultures);
            options.AddSupportedUICultures(Texts.Cultures);
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
        });

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Trust X-Forwarded-* only from the edge's networks (loopback and private ranges), so a
            // client reaching a replica directly cannot choose the address the rate limits see.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var network in new[] { "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7" })
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        services.AddOptions<FormOptions>().Configure<IOptions<FacteurOptions>>((form, facteur) =>
        {
            // Past the message limit but within the request limit, the compose page says what is wrong.
            form.MultipartBodyLengthLimit = RequestSizeLimit.For(facteur.Value.MaxMessageSize);
        });

        services.AddRazorPages(options =>
            {
                options.Conventions.AuthorizeFolder("/Mail");
                options.Conventions.AllowAnonymousToPage("/Login");
                options.Conventions.AllowAnonymousToPage("/Culture");
            })
            .ConfigureApplicationPartManager(manager =>
            {
                // The standalone host is another assembly: bring the compiled pages along.
                var assembly = typeof(WebmailModule).Assembly;
                if (!manager.ApplicationParts.OfType<AssemblyPart>().Any(part => part.Assembly == assembly))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        manager.ApplicationParts.Add(part);
                    }
                }
            });

        // A webmail replica without its IMAP server serves nothing: not ready. The standalone host
        // runs the IMAP server itself and says so with Webmail:CheckImapReadiness=false.
        if (builder.Configuration.GetValue("Webmail:CheckImapReadiness", true))
        {
            services.AddHealthChecks().AddCheck<ImapReachableCheck>("webmail-imap", tags: [HealthTags.Ready]);
        }
        return builder;
    }

    public static WebApplication MapWebmail(this WebApplication app)
    {
        if (app.Configuration[$"{WebmailOptions.SectionName}:{nameof(WebmailOptions.DataProtectionKeysPath)}"] is { Length: > 0 } keys)
        {
            Sessions.SharedKeyRing.Initialize(app.Services, keys);
        }

        app.UseForwardedHeaders();
        app.UseWebmailSecurityHeaders();
        // Before the rest of the pipeline: a refused login post costs no localization, body read or cookie decryption.
        app.UseLoginPostLimit(services => services.GetRequiredService<IOptions<WebmailOptions>>().Value.LoginRequestsPerMinute);
        app.UseRequestLocalization();
        app.UseRequestSizeLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        app.MapWebmailEndpoints();

        var port = ListenPort(app.Configuration);
        WebmailLog.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebmailModule)), port);
        return app;
    }

    /// <summary><c>Webmail:Port</c>, else <c>Http:Port</c> (the standalone serves the webmail itself), else ASPNETCORE_HTTP_PORTS, else 8080.</summary>
    internal static int ListenPort(IConfiguration configuration)
    {
        foreach (var key in new[] { "Webmail:Port", "Http:Port", "HTTP_PORTS" })
        {
            var text = configuration[key]?.Split(';', ',')[0];
            if (int.TryParse(text, out var port) && port is >= 0 and <= 65535)
            {
                return port;
            }
        }

        return 8080;
    }

    private static void AddListener(WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var listenAddress = context.Configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.ListenAddress)}"] ?? new FacteurOptions().ListenAddress;
            kestrel.ListenOn("webmail", listenAddress, ListenPort(context.Configuration));
            var max = long.TryParse(context.Configuration[$"{FacteurOptions.SectionName}:{nameof(FacteurOptions.MaxMessageSize)}"], out var configured)
                ? configured
                : new FacteurOptions().MaxMessageSize;
            // A hard cap well above RequestSizeLimit, which answers first (with a readable page).
            kestrel.Limits.MaxRequestBodySize = RequestSizeLimit.For(max) * 4;
        });
    }

    private static void AddSessions(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var dataProtection = services.AddDataProtection().SetApplicationName("Facteur.Webmail");
        var keys = builder.Configuration[$"{WebmailOptions.SectionName}:{nameof(WebmailOptions.DataProtectionKeysPath)}"];
        if (!string.IsNullOrWhiteSpace(keys))
        {
            // Every replica reads the same key ring, so a cookie issued by one is accepted by all.
            Directory.CreateDirectory(keys);
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.LoginPath = "/Login";
                options.LogoutPath = "/Logout";
                options.AccessDeniedPath = "/Login";
                options.SlidingExpiration = true;
                options.ReturnUrlParameter = "returnUrl";
                options.Events.OnValidatePrincipal = context =>
                {
                    // A logged-out session stays dead even if a copy of its cookie is replayed.
                    if (context.Principal is { } principal && MailAccount.From(principal) is { } account
                        && context.HttpContext.RequestServices.GetRequiredService<Sessions.RevokedSessions>().IsRevoked(account.SessionId))
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<WebmailOptions>>((cookie, webmail) => cookie.ExpireTimeSpan = webmail.Value.SessionTimeout);
        services.AddAuthorization();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "facteur.csrf";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }
}
