using System.Net;

namespace Facteur.Hosting.Configuration;

/// <summary>The accepted forms of <c>Facteur:ListenAddress</c>.</summary>
internal static class ListenAddress
{
    public const string Any = "*";
    public const string Localhost = "localhost";

    public static bool IsValid(string value) =>
        value == Any
        || string.Equals(value, Localhost, StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(value, out _);

    /// <summary>What start-up says about a value <see cref="IsValid"/> refuses.</summary>
    public static string Invalid(string value) => $"Facteur:ListenAddress must be '*', 'localhost' or an IP address (got '{value}')";
}
