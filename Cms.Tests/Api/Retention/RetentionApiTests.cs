using System.Net;
using System.Net.Http.Json;
using Cms.Application.Retention;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api.Retention;

/// <summary>The retention schedule and preview routes: who may use them, what they refuse (problem+json, nothing written),
/// the audit entry of a change, and one tenant's schedule never seen by another.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class RetentionApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task The_schedule_defaults_to_three_years_changes_with_an_audit_entry_and_stays_in_its_tenant()
    {
        var tenant = await CreateTenantAsync();
        var other = await CreateTenantAsync("Other Bank");
        var initial = await Read<RetentionScheduleDto>(await tenant.Admin.GetAsync("/v1/retention/schedule"));
        Assert.That(initial.AfterClosureDays, Is.EqualTo(3 * 365));

        var set = await Read<RetentionScheduleDto>(await tenant.Admin.PutAsJsonAsync("/v1/retention/schedule",
            new { afterClosureDays = 400, perProfile = new Dictionary<string, int> { ["uk_banking_fca_disp1"] = 800 }, mifidProducts = new[] { "isa", "isa" } },
            Json));
        Assert.That(set.AfterClosureDays, Is.EqualTo(400));
        Assert.That(set.PerProfile, Is.EquivalentTo(new Dictionary<string, int> { ["uk_banking_fca_disp1"] = 800 }));
        Assert.That(set.MifidProducts, Is.EqualTo(new[] { "isa" }));
        Assert.That(await Read<RetentionScheduleDto>(await tenant.Admin.GetAsync("/v1/retention/schedule")), Is.EqualTo(set).Using<RetentionScheduleDto>(Same));
        Assert.That((await Read<RetentionScheduleDto>(await other.Admin.GetAsync("/v1/retention/schedule"))).AfterClosureDays, Is.EqualTo(3 * 365));

        var entries = await Read<Cms.Application.Common.Page<Cms.Application.Audit.AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        var entry = entries.Items.Single(e => e.Action == "retention.schedule_updated");
        Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "afterClosureDays", "perProfile", "mifidProducts" }));
        Assert.That(entry.Changes!.Single(c => c.Field == "afterClosureDays").New, Is.EqualTo("400"));
    }

    private static bool Same(RetentionScheduleDto a, RetentionScheduleDto b) =>
        a.AfterClosureDays == b.AfterClosureDays && a.PerProfile.OrderBy(p => p.Key).SequenceEqual(b.PerProfile.OrderBy(p => p.Key))
        && a.MifidProducts.SequenceEqual(b.MifidProducts);

    [Test]
    public async Task Only_tenant_admins_preview_and_set_the_schedule_auditors_read_it()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        foreach (var client in new[] { agent, supervisor, auditor, integration })
        {
            await Expect(await client.GetAsync("/v1/retention/preview"), HttpStatusCode.Forbidden);
            await Expect(await client.PutAsJsonAsync("/v1/retention/schedule", new { afterClosureDays = 1 }, Json), HttpStatusCode.Forbidden);
        }

        await Expect(await auditor.GetAsync("/v1/retention/schedule"), HttpStatusCode.OK);
        await Expect(await agent.GetAsync("/v1/retention/schedule"), HttpStatusCode.Forbidden);
        await Expect(await tenant.Admin.GetAsync("/v1/retention/preview"), HttpStatusCode.OK);
        Assert.That((await Read<RetentionScheduleDto>(await tenant.Admin.GetAsync("/v1/retention/schedule"))).AfterClosureDays, Is.EqualTo(3 * 365));
    }

    [TestCase("{}")]
    [TestCase("""{"afterClosureDays":-1}""")]
    [TestCase("""{"afterClosureDays":36501}""")]
    [TestCase("""{"afterClosureDays":10,"perProfile":{"no_such_profile":5}}""")]
    [TestCase("""{"afterClosureDays":10,"perProfile":{"uk_banking_fca_disp1":-5}}""")]
    [TestCase("""{"afterClosureDays":10,"mifidProducts":[""]}""")]
    [TestCase("""{"afterClosureDays":"ten"}""")]
    public async Task A_bad_schedule_is_a_problem_and_changes_nothing(string body)
    {
        var tenant = await CreateTenantAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await tenant.Admin.PutAsync("/v1/retention/schedule", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest).Or.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await Read<RetentionScheduleDto>(await tenant.Admin.GetAsync("/v1/retention/schedule"))).AfterClosureDays, Is.EqualTo(3 * 365));
    }

    [TestCase("limit=0")]
    [TestCase("limit=201")]
    [TestCase("cursor=not-a-cursor")]
    [TestCase("asOf=yesterday")]
    [TestCase("asOf=0001-01-01T00:00:00Z")]
    public async Task A_bad_preview_request_is_a_problem(string query)
    {
        var tenant = await CreateTenantAsync();
        var response = await tenant.Admin.GetAsync($"/v1/retention/preview?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }
}
