using System.Diagnostics;
using System.Net.Http.Headers;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cms.Tests.Operations;

/// <summary>
/// The service of a fixture with the OpenTelemetry in-memory exporters added next to its own configuration: what the
/// SDK would export (spans after sampling and processing, metric points after aggregation).
/// </summary>
public sealed class TelemetryTestHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly LockedCollection<Activity> _spans = new();
    private readonly LockedCollection<MetricSnapshot> _metrics = new();

    /// <param name="traces">Sets <c>Cms:Telemetry:Traces</c>: the in-memory exporter is added in code, which the service
    /// cannot see, so spans are turned on as a host with its own exporter does; false leaves the service's default.</param>
    public TelemetryTestHost(CmsApiFactory factory, IReadOnlyDictionary<string, string>? settings = null, bool traces = true) =>
        _factory = factory.WithWebHostBuilder(b =>
        {
            if (traces)
            {
                b.UseSetting("Cms:Telemetry:Traces", "true");
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                b.UseSetting(key, value);
            }

            b.ConfigureServices(s => s
                .ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans))
                .ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics)));
        });

    public IServiceProvider Services => _factory.Services;

    public HttpClient Client(string token)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Client(HttpClient like)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = like.DefaultRequestHeaders.Authorization;
        return client;
    }

    /// <summary>The exported spans so far (a copy).</summary>
    public List<Activity> Spans => _spans.Snapshot();

    /// <summary>
    /// Waits until a span matching <paramref name="match"/> has been exported: a server span ends after its response has
    /// been written, so it may still be open when the client has the answer. Bounded; fails the test when it never comes.
    /// </summary>
    public async Task<Activity> SpanAsync(Func<Activity, bool> match, string what)
    {
        for (var i = 0; i < 200; i++)
        {
            if (Spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"No exported span: {what}. Spans: {string.Join(", ", Spans.Select(s => $"{s.Source.Name}/{s.DisplayName}"))}");
        return null!;
    }

    /// <summary>Collects and exports every instrument now, and returns what the exporter holds.</summary>
    public List<MetricSnapshot> CollectMetrics()
    {
        _metrics.Clear();
        Services.GetRequiredService<MeterProvider>().ForceFlush();
        return _metrics.Snapshot();
    }

    /// <summary>
    /// Collects until <paramref name="complete"/> holds: the server records a request's duration after its response has
    /// been written, so the client may have the answer first. Bounded; returns the last collection either way, for the
    /// test's assertions to say what is missing.
    /// </summary>
    public async Task<List<MetricSnapshot>> CollectMetricsAsync(Func<List<MetricSnapshot>, bool> complete)
    {
        for (var i = 0; i < 200; i++)
        {
            var metrics = CollectMetrics();
            if (complete(metrics))
            {
                return metrics;
            }

            await Task.Delay(50);
        }

        return CollectMetrics();
    }

    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
