using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Reports;
using Cms.Domain.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Api;
using Cms.Tests.Support;

namespace Cms.Tests.Privacy;

/// <summary>
/// security.md 12a through the API on both databases: what a person types about a person (descriptions, notes,
/// vulnerability details, redress and referral text) is sealed under the consumer's key, never at rest in plaintext, dies
/// with the key on erasure, and what the regulator's return counts survives (docs/adr/0013-free-text-sealing.md).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class FreeTextPrivacyApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Marker = "Quokkamarker";

    private async Task<(TestTenant Tenant, Guid ConsumerId, ComplaintDto Complaint)> ComplaintWithFreeTextAsync(string tag)
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = $"{Marker}-{tag}-DESC my account 12345678 was charged twice",
        }, Json), HttpStatusCode.Created);
        await Read<NoteDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
            new { kind = "internal", body = $"{Marker}-{tag}-NOTE consumer mentioned a bereavement" }, Json), HttpStatusCode.Created);
        complaint = await Read<ComplaintDto>(await tenant.Admin.SendAsync(ApiRequests.Json(HttpMethod.Put,
            $"/v1/complaints/{complaint.Id}/vulnerability",
            new { involved = true, drivers = new[] { "health" }, consentGivenAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, complaint.Version)));
        complaint = await OutcomesApiTests.StepAsync(tenant.Admin, complaint, "resolve",
            new { outcome = "partly_upheld", redress = new { nonMonetary = $"{Marker}-{tag}-REDRESS apology letter" } });
        complaint = await OutcomesApiTests.StepAsync(tenant.Admin, complaint, "refer",
            new { body = "Financial Ombudsman Service", reference = $"{Marker}-{tag}-REF" });
        return (tenant, consumer.Id, complaint);
    }

    [Test]
    public async Task Free_text_is_never_at_rest_in_plaintext_and_dies_with_the_consumers_key()
    {
        var (tenant, consumerId, complaint) = await ComplaintWithFreeTextAsync("ALPHA");

        // Callers read it back...
        var read = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        var notes = await Read<Page<NoteDto>>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}/notes"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Description, Does.StartWith($"{Marker}-ALPHA-DESC"));
            Assert.That(read.Redress!.NonMonetary, Does.StartWith($"{Marker}-ALPHA-REDRESS"));
            Assert.That(read.Referral!.Reference, Is.EqualTo($"{Marker}-ALPHA-REF"));
            Assert.That(read.Vulnerability.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health }));
            Assert.That(notes.Items.Single().Body, Does.StartWith($"{Marker}-ALPHA-NOTE"));
            Assert.That(read.PersonalDataErased, Is.False);
        }

        // ...but nothing at rest holds it, and the special-category driver is not a plain column.
        var atRest = await AtRest.DumpAsync(Db);
        Assert.That(atRest, Does.Contain(complaint.Id.ToString("D")).IgnoreCase, "the dump holds the data (sanity check)");
        Assert.That(atRest, Does.Not.Contain(Marker).IgnoreCase);
        Assert.That(await AtRest.ScalarAsync(Db, $"SELECT CASE WHEN vulnerability_health THEN 'yes' ELSE 'no' END FROM complaints WHERE id = '{complaint.Id:D}'"),
            Is.EqualTo("no"));
        var before = await ReportAsync(tenant);

        await Read<object>(await tenant.Admin.PostAsync($"/v1/consumers/{consumerId}/erasure", null));

        var erased = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        var erasedNotes = await Read<Page<NoteDto>>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}/notes"));
        var after = await ReportAsync(tenant);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var verify = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(erased.PersonalDataErased, Is.True);
            Assert.That(erased.Description, Is.Null);
            Assert.That(erased.Redress!.NonMonetary, Is.Null);
            Assert.That(erased.Referral!.Reference, Is.Null);
            Assert.That(erased.Vulnerability.Drivers, Is.Empty);
            Assert.That(erased.VulnerabilityInvolved, Is.True, "involvement is the non-identifying statistic kept");
            Assert.That(erasedNotes.Items.Single().Body, Is.Null);
            Assert.That(after.Vulnerability, Is.EqualTo(before.Vulnerability), "the return still counts the erased consumer's complaint");
            Assert.That(after.Vulnerability.Health, Is.EqualTo(1));
            Assert.That(after.Cfpb, Is.EqualTo(before.Cfpb));
            Assert.That(verify.Valid, Is.True);
        }

        // A step after the erasure neither fails nor brings anything back.
        var closed = await OutcomesApiTests.StepAsync(tenant.Admin, erased, "referral-outcome", new { outcome = "settled" });
        Assert.That(closed.Description, Is.Null);
        Assert.That(await AtRest.DumpAsync(Db), Does.Not.Contain(Marker).IgnoreCase);
    }

    [Test]
    public async Task Free_text_moved_to_another_row_or_tenant_does_not_open()
    {
        var (a, _, source) = await ComplaintWithFreeTextAsync("SOURCE");
        var sameConsumer = await a.FileComplaintAsync(source.ConsumerId);
        var otherConsumer = await a.FileComplaintAsync((await a.RegisterConsumerAsync()).Id);
        var b = await CreateTenantAsync("Other Bank");
        var foreign = await b.FileComplaintAsync((await b.RegisterConsumerAsync()).Id);

        foreach (var target in new[] { sameConsumer.Id, otherConsumer.Id, foreign.Id })
        {
            await AtRest.SqlAsync(Db,
                $"UPDATE complaints SET description = (SELECT description FROM complaints WHERE id = '{source.Id:D}') WHERE id = '{target:D}'");
        }

        // Another column of the same row: the column is bound too.
        await AtRest.SqlAsync(Db, $"UPDATE complaints SET description = redress_non_monetary WHERE id = '{source.Id:D}'");

        foreach (var (client, id) in new[] { (a.Admin, sameConsumer.Id), (a.Admin, otherConsumer.Id), (b.Admin, foreign.Id), (a.Admin, source.Id) })
        {
            var response = await client.GetAsync($"/v1/complaints/{id}");
            var body = await response.Content.ReadAsStringAsync();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), body);
                Assert.That(body, Does.Not.Contain(Marker).And.Not.Contain("Cryptographic").And.Not.Contain("   at "));
            }
        }
    }

    [Test]
    public async Task Rows_written_before_sealing_read_as_before_and_an_erasure_leaves_none_of_their_text()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        await Read<NoteDto>(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
            new { kind = "internal", body = "placeholder" }, Json), HttpStatusCode.Created);
        // As written before this change: plaintext, the drivers in the plain columns.
        await AtRest.SqlAsync(Db, $"""
            UPDATE complaints SET description = '{Marker}-LEGACY-DESC', text_sealed = false, vulnerability_involved = true,
                   vulnerability_health = true, vulnerability_details = NULL WHERE id = '{complaint.Id:D}'
            """);
        await AtRest.SqlAsync(Db, $"UPDATE complaint_notes SET body = '{Marker}-LEGACY-NOTE', text_sealed = false WHERE complaint_id = '{complaint.Id:D}'");
        await AtRest.CheckpointAsync(Db); // written long ago: in the database file itself

        var read = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        var notes = await Read<Page<NoteDto>>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}/notes"));
        var before = await ReportAsync(tenant);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Description, Is.EqualTo($"{Marker}-LEGACY-DESC"));
            Assert.That(read.Vulnerability.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health }));
            Assert.That(notes.Items.Single().Body, Is.EqualTo($"{Marker}-LEGACY-NOTE"));
            Assert.That(before.Vulnerability.Health, Is.EqualTo(1));
        }

        await Read<object>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));

        var after = await ReportAsync(tenant);
        await AtRest.CheckpointAsync(Db); // SQLite: the replaced pages reach the file (zeroed where replaced: secure_delete)
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await AtRest.DumpAsync(Db), Does.Not.Contain(Marker).IgnoreCase);
            Assert.That(after.Vulnerability, Is.EqualTo(before.Vulnerability), "the plain driver became a tally, not a lost figure");
            Assert.That((await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"))).Description, Is.Null);
        }
    }

    private static async Task<ComplaintsReportDto> ReportAsync(TestTenant tenant)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return await Read<ComplaintsReportDto>(await tenant.Admin.GetAsync(
            $"/v1/reports/complaints?from={today.AddDays(-3):yyyy-MM-dd}&to={today.AddDays(3):yyyy-MM-dd}"));
    }
}
