using System.Net;
using System.Net.Http.Json;
using Cms.Api;
using Cms.Application.Complaints;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Cms.Tests.Operations;

/// <summary>
/// The metrics an operator watches (docs/operations.md): requests per route with status, use cases by outcome,
/// complaints filed and transitions per tenant, overdue complaints per tenant, the database pool, the runtime.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class MetricsTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task Requests_use_cases_filings_and_transitions_are_counted_per_route_and_tenant()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var client = host.Client(tenant.Admin);
        var consumer = await tenant.RegisterConsumerAsync();
        var filed = await Read<ComplaintDto>(await client.PostAsJsonAsync("/v1/complaints",
            new { consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "Charged twice." }, Json),
            HttpStatusCode.Created);
        var acknowledged = await Read<ComplaintDto>(await TransitionAsync(client, filed.Id, "acknowledge", filed.Version));
        await Expect(await TransitionAsync(client, filed.Id, "acknowledge", acknowledged.Version), HttpStatusCode.Conflict);

        const string acknowledgeRoute = "/v1/complaints/{id}/acknowledge";
        var metrics = await host.CollectMetricsAsync(m =>
            Points(m, "http.server.request.duration").Count(p => Equals(p.Tags.GetValueOrDefault("http.route"), acknowledgeRoute)) >= 2);
        var tenantTag = tenant.Id.ToString();

        Assert.That(Sum(metrics, "cms.complaints.filed", t => Equals(t.GetValueOrDefault("cms.tenant_id"), tenantTag)), Is.EqualTo(1));
        Assert.That(Sum(metrics, "cms.complaints.transitions", t =>
            Equals(t.GetValueOrDefault("cms.tenant_id"), tenantTag) && Equals(t.GetValueOrDefault("cms.transition"), "AcknowledgeComplaint")), Is.EqualTo(1),
            "the refused second acknowledgement is not a transition");
        Assert.That(Sum(metrics, "cms.use_cases", t =>
            Equals(t.GetValueOrDefault("cms.use_case"), "AcknowledgeComplaint") && Equals(t.GetValueOrDefault("cms.outcome"), "conflict")), Is.GreaterThanOrEqualTo(1));

        var requests = Points(metrics, "http.server.request.duration")
            .Where(p => Equals(p.Tags.GetValueOrDefault("http.route"), acknowledgeRoute)).ToList();
        Assert.That(requests.Select(p => p.Tags.GetValueOrDefault("http.response.status_code")), Is.SupersetOf(new object[] { 200, 409 }),
            "duration per route and status: rate and errors come from the same histogram's counts");
        Assert.That(requests.Sum(p => p.Point.GetHistogramCount()), Is.GreaterThanOrEqualTo(2));

        Assert.That(metrics.Select(m => m.MeterName), Does.Contain("System.Runtime"), "runtime metrics are exported");
        if (Kind == DatabaseKind.Postgres)
        {
            Assert.That(metrics.Where(m => m.MeterName == "Npgsql").Select(m => m.Name), Has.Some.StartsWith("db.client.connection"),
                "the connection pool's usage is exported");
        }
    }

    [Test]
    public async Task Overdue_complaints_are_gauged_per_tenant_from_a_periodic_count()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var other = await CreateTenantAsync("Other Bank");
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id, receivedAt: DateTimeOffset.UtcNow.AddDays(-200));
        await tenant.FileComplaintAsync(consumer.Id, receivedAt: DateTimeOffset.UtcNow.AddDays(-300));
        await tenant.FileComplaintAsync(consumer.Id);
        var closed = await tenant.FileComplaintAsync(consumer.Id, receivedAt: DateTimeOffset.UtcNow.AddDays(-250));
        var c = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, closed.Id, "resolve", closed.Version, new { outcome = "upheld" }));
        await Expect(await TransitionAsync(tenant.Admin, closed.Id, "close", c.Version), HttpStatusCode.OK);

        await host.Services.GetRequiredService<OverdueComplaintsGauge>().RefreshAsync(CancellationToken.None);
        var metrics = host.CollectMetrics();

        var overdue = Points(metrics, OverdueComplaintsGauge.InstrumentName).ToList();
        Assert.That(overdue.Where(p => Equals(p.Tags.GetValueOrDefault("cms.tenant_id"), tenant.Id.ToString())).Select(p => p.Point.GetGaugeLastValueLong()),
            Is.EqualTo(new[] { 2L }), "two open complaints past their deadline; the recent one and the closed one are not overdue");
        Assert.That(overdue.Where(p => Equals(p.Tags.GetValueOrDefault("cms.tenant_id"), other.Id.ToString())).Select(p => p.Point.GetGaugeLastValueLong()),
            Is.EqualTo(new[] { 0L }));
    }

    private static IEnumerable<(MetricPoint Point, Dictionary<string, object?> Tags)> Points(List<MetricSnapshot> metrics, string name) =>
        metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints).Select(p => (p, TelemetryTestHost.Tags(p)));

    private static long Sum(List<MetricSnapshot> metrics, string name, Func<Dictionary<string, object?>, bool> match) =>
        Points(metrics, name).Where(p => match(p.Tags)).Sum(p => p.Point.GetSumLong());
}
