using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Options;

namespace Facteur.Edge;

/// <summary>
/// Client auto-configuration: Thunderbird's autoconfig (clientConfig 1.1), Outlook's POX
/// autodiscover, and the MTA-STS policy (RFC 8461 §3.2) served on host <c>mta-sts.&lt;domain&gt;</c>.
/// Generated from configuration, never from a file to keep in step by hand.
/// </summary>
internal static class ClientAutoconfig
{
    private static readonly XNamespace AutodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    private static readonly XNamespace OutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    public static void MapClientAutoconfig(this WebApplication app)
    {
        app.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", Thunderbird);
        app.MapGet("/mail/config-v1.1.xml", Thunderbird);
        app.MapPost("/autodiscover/autodiscover.xml", AutodiscoverAsync); // routes ignore case: Outlook's /Autodiscover/Autodiscover.xml too
        app.MapGet("/.well-known/mta-sts.txt", MtaSts);
    }

    internal static string ThunderbirdXml(MailClientPorts ports, string? emailAddress)
    {
        var domain = ports.DomainFor(emailAddress);
        XElement Server(string element, string type, int port, string socket) =>
            new(element, new XAttribute("type", type),
                new XElement("hostname", ports.Hostname),
                new XElement("port", port),
                new XElement("socketType", socket),
                new XElement("authentication", "password-cleartext"),
                new XElement("username", "%EMAILADDRESS%"));

        var document = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement("clientConfig", new XAttribute("version", "1.1"),
                new XElement("emailProvider", new XAttribute("id", domain),
                    ports.Domains.Select(d => new XElement("domain", d)),
                    new XElement("displayName", $"Facteur ({domain})"),
                    new XElement("displayShortName", domain),
                    Server("incomingServer", "imap", ports.Imaps, "SSL"),
                    Server("incomingServer", "imap", ports.Imap, "STARTTLS"),
                    Server("incomingServer", "pop3", ports.Pop3s, "SSL"),
                    Server("outgoingServer", "smtp", ports.Submissions, "SSL"),
                    Server("outgoingServer", "smtp", ports.Submission, "STARTTLS"))));
        return Serialize(document);
    }

    internal static string AutodiscoverXml(MailClientPorts ports, string emailAddress)
    {
        XElement Protocol(string type, int port) =>
            new(OutlookResponse + "Protocol",
                new XElement(OutlookResponse + "Type", type),
                new XElement(OutlookResponse + "Server", ports.Hostname),
                new XElement(OutlookResponse + "Port", port),
                new XElement(OutlookResponse + "DomainRequired", "off"),
                new XElement(OutlookResponse + "LoginName", emailAddress),
                new XElement(OutlookResponse + "SPA", "off"),
                new XElement(OutlookResponse + "SSL", "on"),
                new XElement(OutlookResponse + "AuthRequired", "on"));

        var document = new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement(AutodiscoverResponse + "Autodiscover",
                new XElement(OutlookResponse + "Response",
                    new XElement(OutlookResponse + "Account",
                        new XElement(OutlookResponse + "AccountType", "email"),
                        new XElement(OutlookResponse + "Action", "settings"),
                        Protocol("IMAP", ports.Imaps),
                        Protocol("SMTP", ports.Submissions)))));
        return Serialize(document);
    }

    internal static string MtaStsPolicy(MailClientPorts ports, string mode) =>
        $"version: STSv1\r\nmode: {mode}\r\nmx: {ports.Hostname}\r\nmax_age: 604800\r\n";

    private static IResult Thunderbird(MailClientPorts ports, string? emailaddress) =>
        Results.Text(ThunderbirdXml(ports, emailaddress), "application/xml; charset=utf-8");

    private static async Task<IResult> AutodiscoverAsync(HttpContext context, MailClientPorts ports)
    {
        // The request is <Autodiscover><Request><EMailAddress>…; read it with a small, DTD-less reader.
        string? address = null;
        try
        {
            using var limited = new MemoryStream();
            await context.Request.Body.CopyToAsync(limited, 81_920, context.RequestAborted);
            if (limited.Length > 65_536)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }

            limited.Position = 0;
            using var reader = XmlReader.Create(limited, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, Async = true });
            while (await reader.ReadAsync())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "EMailAddress")
                {
                    address = (await reader.ReadElementContentAsStringAsync()).Trim();
                    break;
                }
            }
        }
        catch (XmlException)
        {
            return Results.BadRequest();
        }

        if (string.IsNullOrEmpty(address) || !address.Contains('@'))
        {
            return Results.BadRequest();
        }

        return Results.Text(AutodiscoverXml(ports, address), "application/xml; charset=utf-8");
    }

    private static IResult MtaSts(HttpContext context, MailClientPorts ports, IOptions<EdgeOptions> options) =>
        context.Request.Host.Host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase)
            ? Results.Text(MtaStsPolicy(ports, options.Value.MtaStsMode), "text/plain; charset=utf-8")
            : Results.NotFound();

    private static string Serialize(XDocument document)
    {
        var builder = new StringBuilder();
        using (var writer = XmlWriter.Create(builder, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            document.Save(writer);
        }

        // StringBuilder writers declare utf-16; the response is UTF-8.
        return builder.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }
}
