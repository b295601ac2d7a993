using System.Diagnostics;

namespace Cms.Application.Common;

/// <summary>The application's activity source: one span per use case. Attributes carry ids and outcomes, never personal data.</summary>
public static class Telemetry
{
    public const string SourceName = "Cms.Application";

    public static readonly ActivitySource Source = new(SourceName);
}
