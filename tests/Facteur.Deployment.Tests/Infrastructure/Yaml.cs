using YamlDotNet.RepresentationModel;

namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>YAML documents as plain trees: maps are Dictionary&lt;string, object?&gt;, lists List&lt;object?&gt;, scalars strings.</summary>
internal static class Yaml
{
    public static List<Dictionary<string, object?>> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<Dictionary<string, object?>>()];
    }

    public static Dictionary<string, object?> Map(object? node, string key) =>
        (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as Dictionary<string, object?> ?? [];

    public static List<object?> List(object? node, string key) =>
        (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as List<object?> ?? [];

    public static string? Scalar(object? node, string key) =>
        (node as Dictionary<string, object?>)?.GetValueOrDefault(key) as string;

    /// <summary>A path of keys, e.g. At(obj, "spec", "template", "spec").</summary>
    public static Dictionary<string, object?> At(object? node, params string[] keys) =>
        keys.Aggregate(node as Dictionary<string, object?> ?? [], Map);

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Convert(c.Value)),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}
