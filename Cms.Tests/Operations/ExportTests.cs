using System.Net;
using System.Reflection;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cms.Tests.Operations;

/// <summary>
/// Export as configured by the standard OTEL_* settings: over OTLP/HTTP (protobuf) to a local receiver, with the
/// service name and resource attributes from the settings; and nothing at all when nothing is configured.
/// </summary>
public sealed class ExportTests
{
    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _db = await TestDatabase.CreateAsync(DatabaseKind.Sqlite);

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _db.DisposeAsync();

    [Test]
    public async Task Spans_metrics_and_logs_arrive_at_an_OTLP_HTTP_receiver_named_by_the_OTEL_settings()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var factory = new CmsApiFactory(_db, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "cms-otlp-test",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=otlp-test,service.namespace=complaints",
        });
        string traceOfRefusal;
        await using (factory)
        {
            var platform = factory.ClientWithToken(CmsApiFactory.PlatformToken());
            var created = await platform.PostAsync("/v1/tenants", System.Net.Http.Json.JsonContent.Create(new
            {
                name = "Export Bank",
                sector = "banking",
                jurisdiction = "UK",
                admin = new { subject = "export-admin", email = "export-admin@example.test", displayName = "Admin" },
            }));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            var tenantId = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            var admin = factory.ClientWithToken(CmsApiFactory.TenantToken(tenantId, "export-admin"));
            var refused = await admin.GetAsync($"/v1/complaints/{Guid.NewGuid()}");
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            traceOfRefusal = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("traceId").GetString()!;
        } // stopping the host flushes the batch exporters (TelemetryFlushOnStop)

        Assert.That(receiver.Requests.Select(r => r.Signal).Distinct(), Is.EquivalentTo(new[] { "traces", "metrics", "logs" }));
        Assert.That(receiver.Requests.Select(r => r.ContentType), Is.All.EqualTo("application/x-protobuf"));
        var spans = receiver.Spans();
        Assert.That(spans.Select(s => s.Name), Is.SupersetOf(new[] { "CreateTenant", "GetComplaint" }));
        Assert.That(spans.Select(s => s.Scope), Is.SupersetOf(new[] { "Cms.Application", "Microsoft.AspNetCore", "Cms.Database" }));
        var refusal = spans.Single(s => s.Name == "GetComplaint");
        Assert.That(refusal.TraceId, Is.EqualTo(traceOfRefusal), "the problem's traceId finds the exported trace");
        Assert.That(refusal.Attributes["cms.outcome"], Is.EqualTo("not_found"));
        Assert.That(spans.Select(s => s.Resource.GetValueOrDefault("service.name")), Is.All.EqualTo("cms-otlp-test"));
        Assert.That(spans.Select(s => s.Resource.GetValueOrDefault("deployment.environment.name")), Is.All.EqualTo("otlp-test"));
        Assert.That(spans.Select(s => s.Resource.GetValueOrDefault("service.namespace")), Is.All.EqualTo("complaints"));

        Assert.That(receiver.MetricNames(), Is.SupersetOf(new[] { "cms.use_cases", "http.server.request.duration" }));
        Assert.That(receiver.LogRecords().Where(l => l.TraceId == traceOfRefusal), Is.Not.Empty,
            "the refusal's log line is exported with the trace id of its request");
    }

    [Test]
    public async Task Nothing_is_exported_when_nothing_is_configured()
    {
        await using var factory = new CmsApiFactory(_db);
        var response = await factory.CreateClient().GetAsync("/health/live");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The SDK keeps its pipeline in internal members (Processor, Reader); with no exporter configured there is none.
        Assert.That(Member(factory.Services.GetRequiredService<TracerProvider>(), "Processor"), Is.Null, "no span processor or exporter");
        Assert.That(Member(factory.Services.GetRequiredService<MeterProvider>(), "Reader"), Is.Null, "no metric reader or exporter");
        Assert.That(Member(factory.Services.GetRequiredService<LoggerProvider>(), "Processor"), Is.Null, "no log processor or exporter");
    }

    [Test]
    public async Task The_console_exporter_is_added_on_request()
    {
        await using var factory = new CmsApiFactory(_db, new Dictionary<string, string> { ["Cms:Telemetry:Console"] = "true" });
        await factory.CreateClient().GetAsync("/health/live");
        Assert.That(Member(factory.Services.GetRequiredService<TracerProvider>(), "Processor")?.ToString(), Does.Contain("Export"));
        Assert.That(Member(factory.Services.GetRequiredService<MeterProvider>(), "Reader"), Is.Not.Null);
    }

    private static object? Member(object target, string name)
    {
        var type = target.GetType();
        var property = type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.That(property, Is.Not.Null, $"{type.Name}.{name} exists (an SDK update may rename it)");
        return property!.GetValue(target);
    }
}
