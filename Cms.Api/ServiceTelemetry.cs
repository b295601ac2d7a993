using System.Reflection;
using Cms.Application.Common;
using Cms.Infrastructure.Persistence;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cms.Api;

/// <summary>Configuration section <c>Cms:Telemetry</c>; OTLP itself is configured by the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Cms:Telemetry";

    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "cms-api";

    /// <summary>Also write traces, metrics and logs to standard output (local runs, debugging).</summary>
    public bool Console { get; set; }

    /// <summary>
    /// Record spans. Unset: only when something exports them (OTLP or the console). Spans nobody exports still cost every
    /// request a server span, a use-case span and a span per database command (the SDK's sampler records whether or not a
    /// processor is attached); a host that adds its own exporter in code (the tests' in-memory one) sets this to true.
    /// </summary>
    public bool? Traces { get; set; }

    /// <summary>How often each tenant's overdue complaints are counted for <c>cms.complaints.overdue</c>; zero turns it off.</summary>
    public TimeSpan OverdueRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// OpenTelemetry for the service. Traces: a server span per request (ASP.NET Core, continuing the caller's
/// <c>traceparent</c>), a span per use case ("Cms.Application"), a client span per database command ("Npgsql" on
/// PostgreSQL, "Cms.Database" on SQLite). Metrics: the "Cms" meter (use cases, complaints filed, transitions, overdue
/// complaints, and whatever else the service records on it), ASP.NET Core and Kestrel (request rate, duration and
/// errors per route), Npgsql (connection pool), the .NET runtime. Logs: through the OpenTelemetry logger with trace and
/// span ids. Export: OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol, headers, service name and resource
/// attributes from the standard <c>OTEL_*</c> variables), the console when <c>Cms:Telemetry:Console</c> is true, and
/// nothing at all otherwise; spans are recorded only when they are exported (<see cref="TelemetryOptions.Traces"/>).
/// </summary>
public static class ServiceTelemetry
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The meters the service exports.</summary>
    public static readonly string[] Meters =
    [
        Telemetry.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Npgsql",
        "System.Runtime",
        "System.Net.Http",
    ];

    public static bool OtlpConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);

    public static void AddCmsTelemetry(this WebApplicationBuilder builder, DatabaseOptions database, TelemetryOptions options)
    {
        var console = options.Console;
        var traces = options.Traces ?? (console || OtlpConfigured(builder.Configuration));
        var version = typeof(ServiceTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? typeof(ServiceTelemetry).Assembly.GetName().Version?.ToString();

        var telemetry = builder.Services.AddOpenTelemetry()
            // The default name first; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (detected after it) win.
            .ConfigureResource(r => r.Clear()
                .AddService(TelemetryOptions.DefaultServiceName, serviceVersion: version)
                .AddTelemetrySdk()
                .AddEnvironmentVariableDetector())
            .WithTracing(t =>
            {
                if (!traces)
                {
                    return; // no source and no instrumentation: nothing listens, so no span is built
                }

                t.AddSource(Telemetry.SourceName)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        // Probes every few seconds would drown the requests: health endpoints are not traced.
                        o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
                        o.RecordException = false; // exception messages may quote input; the type is recorded as error.type
                    });
                t.AddSource(database.Provider == DatabaseProvider.Postgres ? "Npgsql" : DatabaseTelemetry.SourceName);
                if (console)
                {
                    t.AddConsoleExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(Meters);
                if (console)
                {
                    m.AddConsoleExporter();
                }
            })
            .WithLogging(l =>
            {
                if (console)
                {
                    l.AddConsoleExporter();
                }
            });

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        if (OtlpConfigured(builder.Configuration))
        {
            telemetry.UseOtlpExporter(); // endpoint, protocol, headers, timeouts: the standard OTEL_EXPORTER_OTLP_* settings
        }

        builder.Services.AddHostedService<TelemetryFlushOnStop>();
    }
}

/// <summary>
/// Sends what the batch exporters still hold while the host stops, before the container is disposed: disposing the
/// providers later races with the disposal of the exporters' HTTP clients, and the last spans of a stopping instance
/// (often the most interesting ones) were lost. Traces, metrics and logs share one deadline,
/// <see cref="ShutdownOptions.TelemetryFlushTimeout"/>, which is part of the grace period the deployment gives.
/// </summary>
internal sealed class TelemetryFlushOnStop(IServiceProvider services) : IHostedService
{
    private TracerProvider? _tracer;
    private MeterProvider? _meter;
    private LoggerProvider? _logger;
    private TimeSpan _timeout;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolved now: at stop time the container may already be going away.
        _tracer = services.GetService<TracerProvider>();
        _meter = services.GetService<MeterProvider>();
        _logger = services.GetService<LoggerProvider>();
        _timeout = (services.GetService<ShutdownOptions>() ?? new ShutdownOptions()).TelemetryFlushTimeout;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        int Remaining() => (int)Math.Max(0, (_timeout - deadline.Elapsed).TotalMilliseconds);
        try
        {
            _tracer?.ForceFlush(Remaining());
            _meter?.ForceFlush(Remaining());
            _logger?.ForceFlush(Remaining());
        }
        catch (ObjectDisposedException)
        {
            // Already shut down (and so flushed) by the container.
        }

        return Task.CompletedTask;
    }
}
