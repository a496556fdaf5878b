using System.Collections;
using System.Reflection;

namespace Facteur.Deployment.Tests.Infrastructure;

/// <summary>
/// The configuration keys the services read, found by reflection in their assemblies: every type
/// with a <c>const string SectionName</c> (the house style for Options classes) and its public
/// settable properties, nested classes and lists included. This is the one source of truth the
/// deployment files are checked against: rename a property and its key disappears from here.
/// </summary>
internal sealed class ConfigurationCatalog
{
    private static readonly string[] ServiceAssemblies =
        ["Facteur.Hosting", "Facteur.Accounts", "Facteur.SmtpGateway", "Facteur.Delivery", "Facteur.MailboxApi"];

    /// <summary>Assemblies of services not referenced by this project (written elsewhere), loaded from their build output when present.</summary>
    private static readonly (string Project, string Assembly)[] OptionalAssemblies =
        [("services/webmail", "Facteur.Webmail"), ("services/webmail/edge", "Facteur.Edge")];

    private readonly Dictionary<string, List<Type>> _sections;

    private ConfigurationCatalog(Dictionary<string, List<Type>> sections) => _sections = sections;

    public static ConfigurationCatalog Instance { get; } = Load();

    public IEnumerable<string> Sections => _sections.Keys;

    public bool HasSection(string section) => _sections.ContainsKey(section);

    /// <summary>True when <paramref name="key"/> (colon form, e.g. Facteur:Tls:CertificatePath) binds to a property.</summary>
    public bool IsKnown(string key) => Resolve(key) is not null;

    /// <summary>The property's default (a new instance of its Options class), for keys a deployment file leaves unset.</summary>
    public object? DefaultValue(string key)
    {
        var parts = key.Split(':');
        foreach (var type in _sections.GetValueOrDefault(parts[0]) ?? [])
        {
            object? value = Activator.CreateInstance(type, nonPublic: true);
            var found = true;
            foreach (var part in parts.Skip(1))
            {
                var property = value?.GetType().GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (property is null)
                {
                    found = false;
                    break;
                }

                value = property.GetValue(value);
            }

            if (found)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Keys of the integer properties named *Port in a section (listener ports), e.g. Smtp:SubmissionPort.</summary>
    public IEnumerable<string> PortKeys(string section) =>
        (_sections.GetValueOrDefault(section) ?? [])
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => p.Name.EndsWith("Port", StringComparison.Ordinal) && Nullable.GetUnderlyingType(p.PropertyType) is null && p.PropertyType == typeof(int))
            .Select(p => $"{section}:{p.Name}")
            .Distinct();

    private PropertyInfo? Resolve(string key)
    {
        var parts = key.Split(':');
        foreach (var type in _sections.GetValueOrDefault(parts[0]) ?? [])
        {
            if (ResolveIn(type, parts.AsSpan(1)) is { } property)
            {
                return property;
            }
        }

        return null;
    }

    private static PropertyInfo? ResolveIn(Type type, ReadOnlySpan<string> parts)
    {
        if (parts.IsEmpty)
        {
            return null;
        }

        var property = type.GetProperty(parts[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || property.SetMethod is null && !IsCollection(property.PropertyType))
        {
            return null;
        }

        var rest = parts[1..];
        var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (rest.IsEmpty)
        {
            return IsScalar(propertyType) ? property : null;
        }

        if (IsCollection(propertyType) && int.TryParse(rest[0], out _))
        {
            var element = propertyType.IsArray ? propertyType.GetElementType()! : propertyType.GetGenericArguments()[0];
            return rest.Length == 1 ? (IsScalar(element) ? property : null) : ResolveIn(element, rest[1..]);
        }

        return IsScalar(propertyType) ? null : ResolveIn(propertyType, rest);
    }

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    /// <summary>Debug or Release: the bin folder this test assembly runs from is named for it.</summary>
    private static string BuildConfiguration => Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";

    private static ConfigurationCatalog Load()
    {
        var assemblies = ServiceAssemblies.Select(name => Assembly.Load(name)).ToList();
        foreach (var (project, name) in OptionalAssemblies)
        {
            // The output of this test run's own configuration first: a Release build left by the bench
            // can be older than the Debug build the tests were started with.
            var output = Directory.Exists(Repository.Path(project, "bin"))
                ? Directory.EnumerateFiles(Repository.Path(project, "bin"), name + ".dll", SearchOption.AllDirectories)
                    .OrderByDescending(path => path.Contains($"{Path.DirectorySeparatorChar}{BuildConfiguration}{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                    .FirstOrDefault()
                : null;
            if (output is not null)
            {
                assemblies.Add(new IsolatedAssembly(output).Load());
            }
        }

        var sections = new Dictionary<string, List<Type>>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in assemblies.SelectMany(SafeTypes))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section)
            {
                (sections.TryGetValue(section, out var list) ? list : sections[section] = []).Add(type);
            }
        }

        return new ConfigurationCatalog(sections);
    }

    private static IEnumerable<Type> SafeTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    /// <summary>Loads an optional service assembly next to its own dependencies.</summary>
    private sealed class IsolatedAssembly(string path)
    {
        public Assembly Load()
        {
            var context = new System.Runtime.Loader.AssemblyLoadContext(Path.GetFileNameWithoutExtension(path));
            context.Resolving += (ctx, name) =>
            {
                var candidate = Path.Combine(Path.GetDirectoryName(path)!, name.Name + ".dll");
                return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
            };
            return context.LoadFromAssemblyPath(path);
        }
    }
}
