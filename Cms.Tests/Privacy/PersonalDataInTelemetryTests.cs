using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cms.Tests.Privacy;

/// <summary>
/// security.md 9 and "Personal data never reaches logs or traces": a consumer with distinctive personal data goes
/// through registration, lookups, a complaint's whole life (filing, assignment, the corrections of its facts, its
/// reclassification, the special-category vulnerability drivers with consent, the merge of a duplicate, a recorded
/// response, and on to referral outcome and closing, with personal data in every free-text field), refused and
/// malformed requests; every log record, every span (name, tags, events,
/// status, baggage: as recorded and as exported), every exported metric point's tags and every audit entry written
/// meanwhile is searched for that data.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class PersonalDataInTelemetryTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static readonly string[] PersonalData =
    [
        "Zebulon", "Quixote-Marchbanks", "zebulon.quixote@pii.test", "7700 900123", "EXT-PII-771", "Gooseberry Lane", "ZZ9 9ZZ",
        "bereavement-marker-313",
    ];

    /// <summary>Drivers whose wire names appear nowhere else in the service's telemetry ("health" would match /health).</summary>
    private static readonly string[] VulnerabilityDrivers = ["life_event", "capability"];

    [Test]
    public async Task No_personal_data_reaches_logs_traces_or_the_audit_trail()
    {
        var logs = new CapturingLoggerProvider();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        // What the exporters would send: spans and metric points after the SDK's processing.
        var exported = new LockedCollection<Activity>();
        var metrics = new LockedCollection<MetricSnapshot>();
        await using var factory = Factory.WithWebHostBuilder(b => b.UseSetting("Cms:Telemetry:Traces", "true").ConfigureLogging(l =>
        {
            l.SetMinimumLevel(LogLevel.Trace);
            l.AddProvider(logs);
        }).ConfigureServices(s => s
            .ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(exported))
            .ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics))));

        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);
        var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = tenant.Admin.DefaultRequestHeaders.Authorization;

        var consumer = await Read<ConsumerDto>(await admin.PostAsJsonAsync("/v1/consumers", new
        {
            externalRef = "EXT-PII-771",
            fullName = "Zebulon Quixote-Marchbanks",
            email = "Zebulon.Quixote@pii.test",
            phone = "+44 7700 900123",
            address = new { lines = new[] { "12 Gooseberry Lane" }, city = "Leeds", postcode = "ZZ9 9ZZ", country = "GB" },
            dateOfBirth = "1961-04-12",
        }, Json), HttpStatusCode.Created);
        await Expect(await admin.GetAsync("/v1/consumers?email=zebulon.quixote@pii.test"), HttpStatusCode.OK);
        await Expect(await admin.GetAsync("/v1/consumers?externalRef=EXT-PII-771"), HttpStatusCode.OK);
        async Task<ComplaintDto> FileAsync(string description) => await Read<ComplaintDto>(await admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id,
            channel = "phone",
            product = "current_account",
            category = "fees",
            description,
        }, Json), HttpStatusCode.Created);

        var complaint = await FileAsync("Zebulon says the bereavement-marker-313 payment was taken twice.");
        var duplicate = await FileAsync("Zebulon Quixote-Marchbanks rang again from 7700 900123 about the same payment.");
        var version = complaint.Version;
        var current = complaint;
        async Task Step(string step, object? body = null, string method = "POST")
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/complaints/{complaint.Id}/{step}")
            {
                Content = JsonContent.Create(body ?? new { }, options: Json),
            };
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
            current = await Read<ComplaintDto>(await admin.SendAsync(request));
            version = current.Version;
        }

        // While received: the commands that correct or add to the facts, including the special-category ones
        // (vulnerability drivers with consent, disability), and the merge of a duplicate whose text is personal too.
        await Step("assign", new { assigneeId = agent.Id });
        await Step("received-at", new { receivedAt = DateTimeOffset.UtcNow.AddDays(-1) });
        await Step("payment-services", new { paymentServices = true });
        await Step("disability", new { disability = true });
        await Step("classify", new { product = "credit_card", category = "charges" });
        await Step("vulnerability", new { involved = true, drivers = VulnerabilityDrivers, consentGivenAt = current.ReceivedAt }, "PUT");
        await Step("merge", new { duplicateId = duplicate.Id });
        Assert.That(current.Vulnerability.Drivers, Has.Count.EqualTo(VulnerabilityDrivers.Length), "the drivers were recorded");

        await Step("acknowledge");
        await Step("responses", new { type = "holding_response", sentAt = current.ReceivedAt.AddHours(1) });
        await Expect(await admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
            new { kind = "consumer_communication", body = "Called Zebulon on 7700 900123." }, Json), HttpStatusCode.Created);

        // The rest of the complaint's life, with free text carrying personal data wherever the API takes free text.
        await Step("start");
        await Step("await-consumer");
        await Step("start");
        await Step("resolve", new
        {
            outcome = "partly_upheld",
            redress = new { monetary = new { amountMinor = 1250, currency = "GBP" }, nonMonetary = "Apology to Zebulon Quixote-Marchbanks" },
            rootCause = "bereavement-marker-313 was applied twice",
        });
        await Step("close");
        await Step("reopen");
        await Step("resolve", new { outcome = "upheld" });
        await Step("refer", new { body = "Financial Ombudsman Service", reference = "EXT-PII-771 Zebulon" });
        await Step("referral-outcome", new { outcome = "upheld_for_consumer" });
        await Step("close");
        await Expect(await admin.GetAsync($"/v1/complaints/{complaint.Id}"), HttpStatusCode.OK);
        await Expect(await admin.GetAsync($"/v1/complaints/{complaint.Id}/notes"), HttpStatusCode.OK);
        await Expect(await admin.GetAsync($"/v1/complaints/{complaint.Id}/history"), HttpStatusCode.OK);
        await Expect(await admin.GetAsync($"/v1/complaints?consumerId={consumer.Id}"), HttpStatusCode.OK);
        // Refused steps carry the personal data too (illegal transition, stale version).
        await TransitionAsync(admin, complaint.Id, "refer", version, new { body = "Zebulon", reference = "ZZ9 9ZZ" });
        await TransitionAsync(admin, complaint.Id, "resolve", version - 1, new { outcome = "upheld", rootCause = "Zebulon" });

        // Refused and malformed requests carrying personal data must not echo it into logs either.
        await admin.PostAsJsonAsync("/v1/consumers", new { externalRef = "EXT-PII-771", fullName = "Zebulon Quixote-Marchbanks" }, Json);
        await admin.PostAsync("/v1/consumers", new StringContent("{\"fullName\": \"Zebulon Quixote-Marchbanks\", \"email\": 12", System.Text.Encoding.UTF8, "application/json"));
        await admin.PostAsJsonAsync("/v1/consumers", new { externalRef = "x", fullName = "Zebulon", email = "zebulon.quixote@pii.test@@" }, Json);

        var audit = await Read<Page<AuditEntryDto>>(await auditor.GetAsync("/v1/audit?limit=200"));

        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
        factory.Services.GetRequiredService<TracerProvider>().ForceFlush();

        Assert.That(logs.Records, Is.Not.Empty, "the logs were captured");
        Assert.That(spans.Select(s => s.Source.Name), Does.Contain("Cms.Application"), "the use-case spans were captured");
        Assert.That(spans.Select(s => s.Source.Name), Does.Contain(Kind == DatabaseKind.Postgres ? "Npgsql" : "Cms.Database"),
            "the database spans were captured");
        Assert.That(exported.Where(s => s.GetTagItem("cms.complaint_id") as string == complaint.Id.ToString()).Select(s => s.DisplayName),
            Is.SupersetOf(new[]
            {
                "FileComplaint", "AssignComplaint", "CorrectReceivedAt", "SetPaymentServices", "SetDisability", "ReclassifyComplaint",
                "RecordVulnerability", "MergeComplaints", "AcknowledgeComplaint", "RecordResponse", "StartInvestigation", "AwaitConsumer",
                "ResolveComplaint", "CloseComplaint", "ReopenComplaint", "ReferComplaint", "RecordReferralOutcome", "AddNote",
            }),
            "the exporter received the whole lifecycle");
        Assert.That(audit.Items.Where(e => e.EntityId == complaint.Id || e.EntityId == duplicate.Id).Select(e => e.Action), Is.SupersetOf(new[]
        {
            "complaint.assigned", "complaint.received_at_corrected", "complaint.payment_services_set", "complaint.disability_set",
            "complaint.reclassified", "complaint.vulnerability_recorded", "complaint.merged", "complaint.merged_into",
            "complaint.response_recorded", "complaint.referral_outcome_recorded",
        }), "the audit entries searched include those of every command");
        Assert.That(metrics, Is.Not.Empty, "the metrics were captured");
        var texts = logs.Records
            .Concat(spans.SelectMany(SpanTexts))
            .Concat(exported.SelectMany(SpanTexts))
            .Concat(metrics.SelectMany(MetricTexts))
            // Personal values of audit entries are the one place an auditor reads them (issue 19 item 7): everything else
            // the API answers about an entry, and every entry as stored (personal values sealed), must hold none.
            .Concat(audit.Items.Select(e => System.Text.Json.JsonSerializer.Serialize(
                e with { Changes = e.Changes?.Where(c => !c.Personal).ToList() }, Json)))
            .Append(await AtRest.ScalarAsync(Db, Kind == DatabaseKind.Postgres
                ? "SELECT string_agg(coalesce(changed_values, '') || changed_fields::text || action, E'\\n') FROM audit_entries"
                : "SELECT group_concat(coalesce(changed_values, '') || changed_fields || action, char(10)) FROM audit_entries") ?? "")
            .ToList();
        Assert.That(audit.Items.SelectMany(e => e.Changes ?? []).Where(c => c.Personal), Is.Not.Empty,
            "personal values were audited, sealed (sanity check)");
        foreach (var value in PersonalData)
        {
            Assert.That(texts.Where(t => t.Contains(value, StringComparison.OrdinalIgnoreCase)), Is.Empty, $"'{value}' leaked");
        }

        // Special-category data: which vulnerability drivers a consumer has is recorded on the complaint and, sealed, in
        // the audit entry's personal values, never elsewhere, as a value in any spelling (life_event, LifeEvent); the
        // column names in the statements' text (vulnerability_life_event, @VulnerabilityLifeEvent) say nothing.
        foreach (var driver in VulnerabilityDrivers)
        {
            var value = new System.Text.RegularExpressions.Regex($"(?<![A-Za-z_]){driver.Replace("_", "_?", StringComparison.Ordinal)}(?![A-Za-z_])",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            Assert.That(texts.Where(t => value.IsMatch(t)), Is.Empty, $"the vulnerability driver '{driver}' leaked");
        }
    }

    private static IEnumerable<string> SpanTexts(Activity span) =>
        new[] { span.DisplayName, span.OperationName, span.StatusDescription ?? "" }
            .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
            .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}"));

    private static List<string> MetricTexts(MetricSnapshot metric)
    {
        var texts = new List<string> { $"{metric.MeterName} {metric.Name} {metric.Description} {metric.Unit}" };
        foreach (var point in metric.MetricPoints)
        {
            foreach (var tag in point.Tags)
            {
                texts.Add($"{tag.Key}={tag.Value}");
            }
        }

        return texts;
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Records { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capture(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Capture(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                owner.Records.Enqueue($"{category} scope: {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                owner.Records.Enqueue($"{category} {logLevel}: {formatter(state, exception)} [{values}] {exception}");
            }
        }
    }
}
