using System.Data.Common;
using Cms.Application.Audit;
using Cms.Application.Audit.VerifyAuditChain;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Api;
using Cms.Tests.Support;

namespace Cms.Tests.Privacy;

/// <summary>
/// Issue 19 item 7 through the API on both databases: audit entries record the old and new values of changed fields;
/// personal values are sealed under the consumer's key (absent from a superuser's dump), unreadable after erasure while
/// the chain still verifies, and the entry's HMAC covers the stored values (an edit of them is found).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class AuditValuesPrivacyApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Marker = "Numbatvalue";

    private async Task<(TestTenant Tenant, HttpClient Auditor, ConsumerDto Consumer, ComplaintDto Complaint)> SeedAsync()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var consumer = await tenant.RegisterConsumerAsync();
        consumer = await Read<ConsumerDto>(await tenant.Admin.SendAsync(ApiRequests.Json(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}",
            new { fullName = $"Imogen {Marker}-NAME", email = consumer.Email, phone = consumer.Phone }, consumer.Version)));
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        complaint = await OutcomesApiTests.StepAsync(tenant.Admin, complaint, "acknowledge");
        complaint = await OutcomesApiTests.StepAsync(tenant.Admin, complaint, "resolve",
            new { outcome = "upheld", redress = new { nonMonetary = $"{Marker}-REDRESS apology to Imogen" } });
        await SealAsync(tenant.Id);
        return (tenant, auditor, consumer, complaint);
    }

    private static async Task<List<AuditEntryDto>> TrailAsync(HttpClient auditor) =>
        [.. (await Read<Page<AuditEntryDto>>(await auditor.GetAsync("/v1/audit?limit=200"))).Items];

    private static FieldChangeDto Change(List<AuditEntryDto> trail, string action, string field) =>
        trail.Single(e => e.Action == action).Changes!.Single(c => c.Field == field);

    [Test]
    public async Task Entries_keep_old_and_new_values_personal_ones_sealed_and_unreadable_after_erasure_while_the_chain_verifies()
    {
        var (tenant, auditor, consumer, _) = await SeedAsync();

        var trail = await TrailAsync(auditor);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Change(trail, "consumer.updated", "fullName"), Is.EqualTo(new FieldChangeDto("fullName", "Jane Consumer", $"Imogen {Marker}-NAME", true)));
            Assert.That(Change(trail, "complaint.acknowledged", "status"), Is.EqualTo(new FieldChangeDto("status", "received", "acknowledged", false)));
            Assert.That(Change(trail, "complaint.resolved", "outcome"), Is.EqualTo(new FieldChangeDto("outcome", null, "upheld", false)));
            Assert.That(Change(trail, "complaint.resolved", "redress").New, Does.Contain($"{Marker}-REDRESS"));
            Assert.That(trail.Single(e => e.Action == "complaint.filed").Changes, Is.Null, "an entry without values names fields only");
        }

        await AtRest.CheckpointAsync(Db);
        var atRest = await AtRest.DumpAsync(Db);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(atRest, Does.Contain("acknowledged"), "non-personal values are kept as they are (sanity check)");
            Assert.That(atRest, Does.Not.Contain(Marker).IgnoreCase);
        }

        await Read<ConsumerDto>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));
        await SealAsync(tenant.Id);

        var erased = await TrailAsync(auditor);
        var verify = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Change(erased, "consumer.updated", "fullName"), Is.EqualTo(new FieldChangeDto("fullName", null, null, true)));
            Assert.That(Change(erased, "complaint.resolved", "redress"), Is.EqualTo(new FieldChangeDto("redress", null, null, true)));
            Assert.That(Change(erased, "complaint.acknowledged", "status"), Is.EqualTo(new FieldChangeDto("status", "received", "acknowledged", false)));
            Assert.That(string.Join("\n", erased.SelectMany(e => e.Changes ?? []).Select(c => $"{c.Old}|{c.New}")), Does.Not.Contain(Marker));
            Assert.That(verify.Valid, Is.True, verify.Problem);
            Assert.That(verify.EntriesChecked, Is.EqualTo(erased.Count));
        }
    }

    [Test]
    public async Task An_edit_of_the_stored_values_breaks_the_entry()
    {
        var (_, auditor, _, _) = await SeedAsync();
        var entry = (await TrailAsync(auditor)).Single(e => e.Action == "complaint.acknowledged");

        await using (var connection = Db.OpenPrivileged())
        {
            if (Kind == DatabaseKind.Postgres)
            {
                await ExecuteAsync(connection, "SET session_replication_role = replica");
            }

            await ExecuteAsync(connection,
                $"UPDATE audit_entries SET changed_values = replace(changed_values, 'received', 'investigating') WHERE id = '{entry.Id:D}'");
        }

        var verify = await Read<AuditVerificationDto>(await auditor.GetAsync("/v1/audit/verify"));
        Assert.That((verify.Valid, verify.FirstBrokenEntryId), Is.EqualTo((false, (Guid?)entry.Id)), verify.Problem);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
