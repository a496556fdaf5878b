using System.ComponentModel.DataAnnotations;

namespace Facteur.Hosting;

/// <summary>The management HTTP listener: /healthz, /readyz, /metrics.</summary>
public sealed class ManagementOptions
{
    public const string SectionName = "Management";

    /// <summary>TCP port; 0 lets the OS choose (tests).</summary>
    [Range(0, 65535, ErrorMessage = "Management:Port must be between 0 and 65535")]
    public int Port { get; set; } = 8081;
}
