using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Api;
using Cms.Tests.Support;

namespace Cms.Tests.Privacy;

/// <summary>
/// Subject access and portability (issue 19 item 4) on both databases: <c>GET /v1/consumers/{id}/export</c> answers one
/// JSON document with the profile, complaints (deadlines, outcome, redress, referral), notes and the audit entries about
/// them, decrypted; the export is itself audited; tenant_admin only; after erasure 410 problem+json and nothing written.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ConsumerExportApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Marker = "Bilbyexport";

    [Test]
    public async Task The_export_holds_everything_about_the_consumer_decrypted_and_is_audited()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var other = await tenant.RegisterConsumerAsync();
        var first = await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints",
            Idempotent.Complaint(consumer.Id, $"{Marker}-DESC charged twice"), Json), HttpStatusCode.Created);
        var second = await tenant.FileComplaintAsync(consumer.Id);
        await tenant.FileComplaintAsync(other.Id);
        foreach (var n in Enumerable.Range(1, 3))
        {
            await Read<NoteDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{first.Id}/notes",
                new { kind = "internal", body = $"{Marker}-NOTE-{n}" }, Json), HttpStatusCode.Created);
        }

        await OutcomesApiTests.StepAsync(tenant.Admin, first, "resolve",
            new { outcome = "upheld", redress = new { nonMonetary = $"{Marker}-REDRESS" } });

        var response = await tenant.Admin.GetAsync($"/v1/consumers/{consumer.Id}/export");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var complaints = root.GetProperty("complaints").EnumerateArray().ToList();
        var exportedFirst = complaints.Single(c => c.GetProperty("complaint").GetProperty("id").GetGuid() == first.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
            Assert.That(root.GetProperty("consumer").GetProperty("fullName").GetString(), Is.EqualTo("Jane Consumer"));
            Assert.That(complaints.Select(c => c.GetProperty("complaint").GetProperty("id").GetGuid()), Is.EquivalentTo(new[] { first.Id, second.Id }),
                "the consumer's complaints, and no other consumer's");
            Assert.That(exportedFirst.GetProperty("complaint").GetProperty("description").GetString(), Is.EqualTo($"{Marker}-DESC charged twice"));
            Assert.That(exportedFirst.GetProperty("complaint").GetProperty("redress").GetProperty("nonMonetary").GetString(), Is.EqualTo($"{Marker}-REDRESS"));
            Assert.That(exportedFirst.GetProperty("complaint").GetProperty("deadlines").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(exportedFirst.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("body").GetString()),
                Is.EqualTo(new[] { $"{Marker}-NOTE-1", $"{Marker}-NOTE-2", $"{Marker}-NOTE-3" }));
            Assert.That(exportedFirst.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("action").GetString()),
                Is.SupersetOf(new[] { "complaint.filed", "complaint.note_added", "complaint.resolved" }));
            Assert.That(exportedFirst.GetProperty("history").EnumerateArray()
                .Where(e => e.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Array)
                .SelectMany(e => e.GetProperty("changes").EnumerateArray()).Select(c => c.GetProperty("new").ToString()),
                Has.Some.Contains($"{Marker}-REDRESS"), "the audit entries' values, decrypted");
            Assert.That(root.GetProperty("audit").EnumerateArray().Select(e => e.GetProperty("action").GetString()),
                Is.EqualTo(new[] { "consumer.registered", "consumer.exported" }), "the export itself is on record, committed before the document");
            Assert.That(text, Does.Not.Contain(other.Id.ToString("D")));
        }

        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var trail = await Read<Page<AuditEntryDto>>(await auditor.GetAsync("/v1/audit?limit=200"));
        Assert.That(trail.Items.Count(e => e.Action == "consumer.exported" && e.EntityId == consumer.Id), Is.EqualTo(1));
    }

    [Test]
    public async Task After_erasure_the_export_is_410_and_writes_nothing_and_only_a_tenant_admin_may_export()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id);
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        Assert.That((await agent.GetAsync($"/v1/consumers/{consumer.Id}/export")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await tenant.Admin.GetAsync($"/v1/consumers/{Guid.NewGuid()}/export")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        await Read<object>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));
        var before = await DatabaseSnapshot.TakeAsync(Db);
        var response = await tenant.Admin.GetAsync($"/v1/consumers/{consumer.Id}/export");
        var body = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Gone), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(body, Does.Contain("\"code\":\"consumer.erased\""));
            Assert.That(await DatabaseSnapshot.TakeAsync(Db), Is.EqualTo(before), "a refused export writes nothing");
        }

        var verify = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        Assert.That(verify.Valid, Is.True, verify.Problem);
    }
}
