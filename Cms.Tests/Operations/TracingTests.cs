using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Cms.Tests.Operations;

/// <summary>
/// Traces as an operator reads them (docs/operations.md "Reading traces"): the caller's traceparent continues into the
/// server span, the use-case span and the database spans, and into the problem's traceId; each use-case span names the
/// use case, tenant, principal, complaint and outcome.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class TracingTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private string DatabaseSource => Kind == DatabaseKind.Postgres ? "Npgsql" : "Cms.Database";

    [Test]
    public async Task A_callers_traceparent_continues_into_the_spans_and_the_problem_traceId()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var client = host.Client(agent);

        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        var missing = Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/complaints/{missing}");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{callerSpan.ToHexString()}-01");
        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(problem.RootElement.GetProperty("traceId").GetString(), Is.EqualTo(traceId.ToHexString()),
            "the caller's error report leads to the trace");

        var server = await host.SpanAsync(s => s.Source.Name == "Microsoft.AspNetCore" && s.TraceId == traceId, "the server span");
        Assert.That(server.ParentSpanId, Is.EqualTo(callerSpan), "the server span is the caller's child");
        Assert.That(server.Kind, Is.EqualTo(ActivityKind.Server));
        Assert.That(server.GetTagItem("http.route"), Is.EqualTo("/v1/complaints/{id}"));

        var useCase = await host.SpanAsync(s => s.Source.Name == "Cms.Application" && s.TraceId == traceId, "the use-case span");
        Assert.That(useCase.DisplayName, Is.EqualTo("GetComplaint"));
        Assert.That(useCase.ParentSpanId, Is.EqualTo(server.SpanId));
        Assert.That(useCase.GetTagItem("cms.outcome"), Is.EqualTo("not_found"));
        Assert.That(useCase.GetTagItem("cms.complaint_id"), Is.EqualTo(missing.ToString()));
        Assert.That(useCase.GetTagItem("cms.tenant_id"), Is.EqualTo(tenant.Id.ToString()));

        var database = host.Spans.Where(s => s.Source.Name == DatabaseSource && s.TraceId == traceId).ToList();
        Assert.That(database, Is.Not.Empty, "the database commands of the request are in its trace");
        Assert.That(database.Select(s => s.Kind), Is.All.EqualTo(ActivityKind.Client));
        Assert.That(database.Select(s => s.ParentSpanId), Has.Some.EqualTo(useCase.SpanId), "the use case's statements are its children");
    }

    [Test]
    public async Task With_nothing_exporting_no_spans_are_built_and_the_problem_still_names_the_callers_trace()
    {
        // No OTLP endpoint, no console, Cms:Telemetry:Traces unset: the exporter added in code behind the service's back
        // receives nothing (the use-case and database spans end before the answer is sent, so none can come later).
        await using var host = new TelemetryTestHost(Factory, traces: false);
        var tenant = await CreateTenantAsync();
        var client = host.Client(tenant.Admin);

        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/complaints/{Guid.NewGuid()}");
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(problem.RootElement.GetProperty("traceId").GetString(), Is.EqualTo(traceId.ToHexString()),
            "the caller's error report still leads to its trace");
        Assert.That(host.Spans.Where(s => s.Source.Name is "Cms.Application" or "Npgsql" or "Cms.Database").Select(s => s.DisplayName),
            Is.Empty, "no use-case or database span is recorded when nothing exports it");
    }

    [Test]
    public async Task A_request_without_traceparent_starts_a_trace_and_the_problem_names_it()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var client = host.Client(tenant.Admin);

        var response = await client.PostAsJsonAsync("/v1/complaints", new { channel = "web" }, Json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var traceId = problem.RootElement.GetProperty("traceId").GetString();
        var span = await host.SpanAsync(s => s.Source.Name == "Cms.Application" && s.TraceId.ToHexString() == traceId, "the use-case span");
        Assert.That(span.DisplayName, Is.EqualTo("FileComplaint"));
        Assert.That(span.GetTagItem("cms.outcome"), Is.EqualTo("validation_failure"));
        Assert.That(span.GetTagItem("cms.error_code"), Is.Not.Null);
    }

    [Test]
    public async Task Use_case_spans_name_tenant_principal_complaint_and_outcome()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var (agentStaff, agentClient) = await tenant.AddQueueAgentAsync("general");
        var (_, auditorClient) = await tenant.AddStaffAsync(Role.Auditor);
        var agent = host.Client(agentClient);
        var auditor = host.Client(auditorClient);
        var consumer = await tenant.RegisterConsumerAsync(agentClient);

        var filed = await Read<ComplaintDto>(await agent.PostAsJsonAsync("/v1/complaints",
            new { consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "Charged twice.", queue = "general" },
            Json),
            HttpStatusCode.Created);
        var acknowledged = await Read<ComplaintDto>(await TransitionAsync(agent, filed.Id, "acknowledge", filed.Version));
        await Expect(await TransitionAsync(agent, filed.Id, "acknowledge", acknowledged.Version), HttpStatusCode.Conflict);
        await Expect(await TransitionAsync(agent, filed.Id, "start", filed.Version), HttpStatusCode.PreconditionFailed);
        await Expect(await auditor.PostAsJsonAsync("/v1/complaints",
            new { consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "x" }, Json),
            HttpStatusCode.Forbidden);

        var spans = host.Spans.Where(s => s.Source.Name == "Cms.Application" && (string?)s.GetTagItem("cms.tenant_id") == tenant.Id.ToString()).ToList();
        Activity Span(string name, string outcome) =>
            spans.SingleOrDefault(s => s.DisplayName == name && (string?)s.GetTagItem("cms.outcome") == outcome)
            ?? throw new AssertionException($"no {name} span with outcome {outcome}: {string.Join(", ", spans.Select(s => $"{s.DisplayName}={s.GetTagItem("cms.outcome")}"))}");

        var filing = Span("FileComplaint", "success");
        Assert.That(filing.GetTagItem("cms.use_case"), Is.EqualTo("FileComplaint"));
        Assert.That(filing.GetTagItem("cms.principal_id"), Is.EqualTo(agentStaff.Id.ToString()));
        Assert.That(filing.GetTagItem("cms.principal_type"), Is.EqualTo("staff"));
        Assert.That(filing.GetTagItem("cms.complaint_id"), Is.EqualTo(filed.Id.ToString()), "the new complaint's id, from the answer");
        Assert.That(filing.Status, Is.Not.EqualTo(ActivityStatusCode.Error));

        Assert.That(Span("AcknowledgeComplaint", "success").GetTagItem("cms.complaint_id"), Is.EqualTo(filed.Id.ToString()));
        Assert.That(Span("AcknowledgeComplaint", "conflict").GetTagItem("cms.error_code"), Is.Not.Null);
        Assert.That(Span("StartInvestigation", "precondition_failed").GetTagItem("cms.complaint_id"), Is.EqualTo(filed.Id.ToString()));
        Assert.That(Span("FileComplaint", "forbidden").GetTagItem("cms.principal_id"), Is.Null,
            "the refused caller never became an established principal");

        var platform = host.Client(CmsApiFactory.PlatformToken());
        await Expect(await platform.GetAsync($"/v1/tenants/{tenant.Id}"), HttpStatusCode.OK);
        var tenantRead = host.Spans.Last(s => s.DisplayName == "GetTenant");
        Assert.That(tenantRead.GetTagItem("cms.principal_type"), Is.EqualTo("platform"));
        Assert.That(tenantRead.GetTagItem("cms.principal_id"), Is.Null, "an operator's subject may be an e-mail address");
    }

    [Test]
    public async Task Database_commands_are_client_spans_with_the_parameterised_statement()
    {
        await using var host = new TelemetryTestHost(Factory);
        var tenant = await CreateTenantAsync();
        var client = host.Client(tenant.Admin);
        await Read<ConsumerDto>(await client.PostAsJsonAsync("/v1/consumers",
            new { externalRef = "EXT-DB-SPAN", fullName = "Span Person", email = "span.person@example.test" }, Json), HttpStatusCode.Created);

        var useCase = await host.SpanAsync(s => s.DisplayName == "RegisterConsumer", "the use-case span");
        var statements = host.Spans.Where(s => s.Source.Name == DatabaseSource && s.ParentSpanId == useCase.SpanId).ToList();
        Assert.That(statements, Is.Not.Empty);
        var texts = statements.Select(s => (string?)(s.GetTagItem("db.query.text") ?? s.GetTagItem("db.statement"))).ToList();
        Assert.That(texts, Has.Some.Contains("INSERT INTO consumers"));
        Assert.That(texts, Has.None.Contains("Span Person").And.None.Contains("span.person"), "values travel as parameters");
    }

    [Test]
    public async Task Background_polling_makes_no_root_database_spans_but_other_statements_still_do()
    {
        await using var receiver = new Events.WebhookReceiver();
        await using var host = new TelemetryTestHost(Factory, new Dictionary<string, string>
        {
            ["Cms:Webhooks:DeliveryEnabled"] = "true",
            ["Cms:Webhooks:AllowLoopback"] = "true",
            ["Cms:Webhooks:PollInterval"] = "00:00:00.050",
            ["Cms:Telemetry:OverdueRefreshInterval"] = "00:00:00.100",
            ["Cms:Idempotency:PurgeInterval"] = "00:00:00.100",
        });
        var tenant = await CreateTenantAsync();
        var admin = host.Client(tenant.Admin);
        await Expect(await admin.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, eventTypes = new[] { "*" }, after = 0 }, Json),
            HttpStatusCode.Created);
        var consumer = await tenant.RegisterConsumerAsync(admin);
        await tenant.FileComplaintAsync(consumer.Id, admin);

        // The worker of this host delivered (so it polled, read the feed and moved its cursor), and went on polling.
        for (var i = 0; i < 200 && receiver.Accepted.Count == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.That(receiver.Accepted, Is.Not.Empty, "the background worker delivered the complaint's event");

        // From now on only the loops run (about ten webhook polls, five overdue counts and five idempotency purges):
        // start-up work is behind us.
        var since = DateTime.UtcNow;
        await Task.Delay(500);
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var database = host.Spans.Where(s => s.Source.Name == DatabaseSource).ToList();
        Assert.That(database.Where(s => s.ParentSpanId != default), Is.Not.Empty, "the requests' statements are traced");
        Assert.That(database.Where(s => s.ParentSpanId == default && s.StartTimeUtc >= since).Select(s => s.GetTagItem("db.query.text")), Is.Empty,
            "no statement of the polling loops starts a trace of its own");

        // Control: the same pass run outside the background loop (as a test or a tool would) is traced as before.
        Assert.That(Activity.Current, Is.Null);
        await host.Services.GetRequiredService<Cms.Infrastructure.Webhooks.WebhookDispatcher>().RunOnceAsync(CancellationToken.None);
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();
        Assert.That(host.Spans.Where(s => s.Source.Name == DatabaseSource && s.ParentSpanId == default && s.StartTimeUtc >= since), Is.Not.Empty,
            "a statement outside background work with no trace around it still gets a (root) span");
    }
}
