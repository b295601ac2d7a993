using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cms.Application.Common;

/// <summary>
/// The service's activity source (one span per use case) and meter. Attributes and tags carry ids, names and outcomes,
/// never personal data.
/// </summary>
public static class Telemetry
{
    public const string SourceName = "Cms.Application";

    public const string MeterName = "Cms";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(MeterName);
}
