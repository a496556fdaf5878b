using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Facteur.Webmail.Tests.Infrastructure;

/// <summary>Reads the webmail's pages as a browser without JavaScript would: the DOM, the list rows, a form's fields.</summary>
internal static class Html
{
    public static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    /// <summary>The subjects of the message list, top to bottom.</summary>
    public static List<string> Subjects(string html) =>
        [.. Parse(html).QuerySelectorAll("table.messages tbody tr a.subject").Select(a => a.TextContent.Trim())];

    public static List<uint> Uids(string html) =>
        [.. Parse(html).QuerySelectorAll("table.messages tbody tr[data-uid]").Select(tr => uint.Parse(tr.GetAttribute("data-uid")!))];

    public static string Href(string html, string selector) =>
        System.Net.WebUtility.HtmlDecode(Parse(html).QuerySelector(selector)?.GetAttribute("href") ?? throw new InvalidOperationException($"no {selector} in\n{html}"));

    /// <summary>The fields a browser would submit from the first form matching <paramref name="formSelector"/>.</summary>
    public static List<KeyValuePair<string, string>> FormFields(string html, string formSelector)
    {
        var form = Parse(html).QuerySelector(formSelector) ?? throw new InvalidOperationException($"no {formSelector} in\n{html}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.QuerySelectorAll("input[name], textarea[name], select[name]"))
        {
            var name = element.GetAttribute("name")!;
            if (name == "__RequestVerificationToken")
            {
                continue;
            }

            switch (element)
            {
                case AngleSharp.Html.Dom.IHtmlInputElement input when input.Type is "checkbox" or "radio":
                    if (input.IsChecked)
                    {
                        fields.Add(new(name, input.Value));
                    }

                    break;
                case AngleSharp.Html.Dom.IHtmlInputElement { Type: "file" or "submit" }:
                    break;
                case AngleSharp.Html.Dom.IHtmlInputElement input:
                    fields.Add(new(name, input.Value));
                    break;
                case AngleSharp.Html.Dom.IHtmlTextAreaElement area:
                    fields.Add(new(name, area.Value));
                    break;
                case AngleSharp.Html.Dom.IHtmlSelectElement select:
                    fields.Add(new(name, select.Value ?? string.Empty));
                    break;
            }
        }

        return fields;
    }

    public static List<KeyValuePair<string, string>> With(this List<KeyValuePair<string, string>> fields, string name, string value)
    {
        fields.RemoveAll(f => f.Key == name);
        fields.Add(new(name, value));
        return fields;
    }
}
