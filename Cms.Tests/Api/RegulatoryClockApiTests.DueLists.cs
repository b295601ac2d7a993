using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cms.Application.Audit;
using Cms.Application.Calendar;
using Cms.Application.Common;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>The due lists, the clock settings and their isolation, and the clock endpoints in the OpenAPI document.</summary>
public sealed partial class RegulatoryClockApiTests
{
    /// <summary>
    /// A UK bank with a 5-business-day internal SLA and a 3-day at-risk window; final responses are due 8 weeks after
    /// receipt. c60 (received 60 days ago) is overdue, c55 due in 1-2 days (at risk), c50 in 6-7 days (assigned to A),
    /// c10 in about 46 days and awaiting the consumer (its SLA paused), resolved is out of every list.
    /// </summary>
    [Test]
    public async Task Due_lists_overdue_within_at_risk_per_assignee_queue_and_kind_keyset_paged()
    {
        var tenant = await CreateTenantAsync();
        var admin = tenant.Admin;
        var (agentA, _) = await tenant.AddStaffAsync(Role.Agent);
        var settings = await Read<ClockSettingsDto>(await admin.PutAsJsonAsync("/v1/settings/clocks",
            new { internalSla = new { amount = 5, unit = "business_days" }, atRiskDays = 3 }, Json));
        Assert.That(settings, Is.EqualTo(new ClockSettingsDto(new InternalSlaDto(5, ClockUnit.BusinessDays), 3)));
        var consumer = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);
        var c60 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-60));
        var c55 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-55));
        var c50 = await Step(admin, await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-50)), "assign", new { assigneeId = agentA.Id });
        var c10 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-10));
        c10 = await Step(admin, await Step(admin, await Step(admin, c10, "acknowledge"), "start"), "await-consumer");
        await Step(admin, await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-20)), "resolve", new { outcome = "upheld" });

        var sla = DeadlineOf(c10, DeadlineKind.InternalSla);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sla.Regulatory, Is.False);
            Assert.That(sla.PausedAt, Is.Not.Null);
            Assert.That(DeadlineOf(c10, DeadlineKind.FinalResponse).PausedAt, Is.Null, "regulatory clocks never pause");
        }

        async Task<Guid[]> Ids(string query) => [.. (await AllDue(admin, query)).Select(d => d.ComplaintId)];

        var all = await AllDue(admin, "");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Select(d => d.ComplaintId), Is.EqualTo(new[] { c60.Id, c55.Id, c50.Id, c10.Id }));
            Assert.That(all.Select(d => d.Kind), Is.All.EqualTo(DeadlineKind.FinalResponse));
            Assert.That(all.Select(d => d.Overdue), Is.EqualTo(new[] { true, false, false, false }));
            Assert.That(await Ids("overdue=true"), Is.EqualTo(new[] { c60.Id }));
            Assert.That(await Ids("overdue=false"), Is.EqualTo(new[] { c55.Id, c50.Id, c10.Id }));
            Assert.That(await Ids("withinDays=10"), Is.EqualTo(new[] { c55.Id, c50.Id }));
            Assert.That(await Ids("atRisk=true"), Is.EqualTo(new[] { c55.Id }));
            Assert.That(await Ids($"assigneeId={agentA.Id}"), Is.EqualTo(new[] { c50.Id }));
            Assert.That(await Ids($"withinDays=10&assigneeId={agentA.Id}"), Is.EqualTo(new[] { c50.Id }));
            Assert.That(await Ids("status=awaiting_consumer"), Is.EqualTo(new[] { c10.Id }));
            Assert.That(await Ids("status=received&overdue=true"), Is.EqualTo(new[] { c60.Id }));
            Assert.That(await Ids("kind=internal_sla&overdue=true"), Is.EqualTo(new[] { c60.Id, c55.Id, c50.Id }), "the paused SLA is not due");
            Assert.That(await Ids("kind=summary_resolution"), Is.EquivalentTo(new[] { c60.Id, c55.Id, c50.Id, c10.Id }));
        }

        // Facts move complaints between lists: a payment-services flag makes c50's 15-business-day deadline overdue.
        await Step(admin, c50, "payment-services", new { paymentServices = true });
        Assert.That(await Ids("overdue=true"), Is.EqualTo(new[] { c50.Id, c60.Id }));

        foreach (var bad in new[] { "overdue=true&withinDays=3", "withinDays=0", "withinDays=9999", "status=closed", "status=nope", "kind=nope", "cursor=xyz" })
        {
            await AssertProblemAsync(await admin.GetAsync($"/v1/complaints/due?{bad}"), HttpStatusCode.BadRequest);
        }

        // Another tenant's due lists never hold these complaints.
        var other = await CreateTenantAsync("Other Bank");
        Assert.That(await AllDue(other.Admin, ""), Is.Empty);
        Assert.That(await AllDue(other.Admin, "overdue=true"), Is.Empty);
        Assert.That(await AllDue(other.Admin, "kind=internal_sla"), Is.Empty);
    }

    [Test]
    public async Task Clock_settings_are_validated_audited_and_tenant_admin_only()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);

        Assert.That(await Read<ClockSettingsDto>(await agent.GetAsync("/v1/settings/clocks")), Is.EqualTo(new ClockSettingsDto(null, 2)));
        await Expect(await agent.PutAsJsonAsync("/v1/settings/clocks", new { atRiskDays = 1 }, Json), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 0, unit = "business_days" } }, Json),
            HttpStatusCode.BadRequest);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { atRiskDays = 61 }, Json), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 5, unit = "fortnights" } }, Json),
            HttpStatusCode.BadRequest);
        var set = await Read<ClockSettingsDto>(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks",
            new { internalSla = new { amount = 10, unit = "calendar_days" } }, Json));

        var other = await CreateTenantAsync("Other Bank");
        var audit = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set, Is.EqualTo(new ClockSettingsDto(new InternalSlaDto(10, ClockUnit.CalendarDays), 2)));
            Assert.That(await Read<ClockSettingsDto>(await agent.GetAsync("/v1/settings/clocks")), Is.EqualTo(set));
            Assert.That(await Read<ClockSettingsDto>(await other.Admin.GetAsync("/v1/settings/clocks")), Is.EqualTo(new ClockSettingsDto(null, 2)));
            Assert.That(audit.Items.Count(e => e.Action == "settings.clocks_updated"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Closure_days_of_one_tenant_are_invisible_to_another_and_unchanged_by_it()
    {
        var a = await CreateTenantAsync("A Bank", "banking", "US");
        var b = await CreateTenantAsync("B Bank", "banking", "US");
        await Expect(await a.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-08-14", new { name = "A's closure" }, Json), HttpStatusCode.OK);

        var bCalendar = await Read<CalendarDto>(await b.Admin.GetAsync("/v1/calendar?year=2026"));
        await AssertProblemAsync(await b.Admin.DeleteAsync("/v1/calendar/closure-days/2026-08-14"), HttpStatusCode.NotFound);
        await Expect(await b.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-08-14", new { name = "B's closure" }, Json), HttpStatusCode.OK);
        var aCalendar = await Read<CalendarDto>(await a.Admin.GetAsync("/v1/calendar?year=2026"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bCalendar.ClosureDays, Is.Empty);
            Assert.That(aCalendar.ClosureDays.Select(d => d.Name), Is.EqualTo(new[] { "A's closure" }));
        }
    }

    [Test]
    public async Task The_openapi_document_describes_the_clock_endpoints()
    {
        var doc = JsonNode.Parse(await (await Platform.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;
        var paths = doc["paths"]!.AsObject();

        using (Assert.EnterMultipleScope())
        {
            foreach (var path in new[]
                     {
                         "/v1/complaints/due", "/v1/calendar", "/v1/calendar/closure-days/{date}", "/v1/settings/clocks",
                         "/v1/complaints/{id}/received-at", "/v1/complaints/{id}/payment-services", "/v1/complaints/{id}/disability",
                     })
            {
                Assert.That(paths.ContainsKey(path) || paths.ContainsKey(path + "/"), Is.True, path);
            }

            var due = (paths["/v1/complaints/due"] ?? paths["/v1/complaints/due/"])!["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
            Assert.That(due, Is.SupersetOf(new[] { "overdue", "withinDays", "atRisk", "assigneeId", "status", "kind", "limit", "cursor" }));
        }
    }
}
