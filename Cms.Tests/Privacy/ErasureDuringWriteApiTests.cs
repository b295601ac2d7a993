using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Tests.Support;
using Npgsql;

namespace Cms.Tests.Privacy;

/// <summary>
/// An erasure (by request or by the retention job: the same path) that runs while a note on one of the consumer's
/// complaints is in flight leaves none of that consumer's words in the blind keyword index. The note's writes are held
/// by the test's lock on the complaint's row (which the erasure does not need) until the erasure has had every chance
/// to run; unless the note holds the consumer's row, the erasure finishes first and the note's words outlive it.
/// A filing is held the same way after its words (by the tenant's legal entities): its complaint's foreign key holds
/// the consumer's row, which the erasure's first read (FOR UPDATE) waits for; were the erasure's lock one that the
/// foreign key's does not stop (FOR NO KEY UPDATE), the erasure would clear the words it can see and the filing's
/// would outlive it.
/// </summary>
[TestFixture(DatabaseKind.Postgres)]
public sealed class ErasureDuringWriteApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task A_note_in_flight_when_its_consumer_is_erased_leaves_no_words_to_find()
    {
        var tenant = await CreateTenantAsync();
        var consumer = (await tenant.RegisterConsumerAsync()).Id;
        var complaint = await tenant.FileComplaintAsync(consumer);
        var note = await EraseWhileHeldAsync(tenant, consumer, "SELECT 1 FROM complaints WHERE id = @Id FOR UPDATE", complaint.Id,
            () => tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
                new { kind = "internal", body = "Quetzalcoatl called about the fees." }, Json),
            "the note never reached the held complaint");
        await Expect(note, HttpStatusCode.Created);
        await ExpectNoWordsAsync(tenant, complaint.Id);
    }

    [Test]
    public async Task A_filing_in_flight_when_its_consumer_is_erased_leaves_no_words_to_find()
    {
        var tenant = await CreateTenantAsync();
        var consumer = (await tenant.RegisterConsumerAsync()).Id;

        // The filing's writes are held after its words by the test's lock on the tenant's legal entities (the filing
        // assigns one after the complaint's insert and its words; the erasure does not need them).
        var filing = await EraseWhileHeldAsync(tenant, consumer, "SELECT 1 FROM legal_entities WHERE tenant_id = @Id FOR UPDATE", tenant.Id,
            () => tenant.Admin.PostAsJsonAsync("/v1/complaints",
                new { consumerId = consumer, channel = "web", product = "current_account", category = "fees", description = "Quetzalcoatl charged the fees twice." }, Json),
            "the filing never reached the held legal entity");
        await ExpectNoWordsAsync(tenant, (await Read<ComplaintDto>(filing, HttpStatusCode.Created)).Id);
    }

    // Holds the rows of holdSql (the test's lock) until the write waits on them, erases the consumer meanwhile, then lets
    // both go: the erasure either finishes (the write's words are not visible to it yet) or waits for the write's hold
    // on the consumer's row. Returns the write's response once the erasure succeeded.
    private async Task<HttpResponseMessage> EraseWhileHeldAsync(TestTenant tenant, Guid consumer, string holdSql, Guid holdId,
        Func<Task<HttpResponseMessage>> write, string neverHeld)
    {
        var pg = (PostgresTestDatabase)Db;
        await using var holder = await pg.OpenAdminAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand(holdSql, holder, hold))
        {
            lockRows.Parameters.AddWithValue("Id", holdId);
            await lockRows.ExecuteNonQueryAsync();
        }

        var holderPid = holder.ProcessID;
        var written = write();
        await WaitAsync(pg, $"SELECT count(*) FROM pg_stat_activity WHERE {holderPid} = ANY(pg_blocking_pids(pid))", written, neverHeld);

        var erasure = tenant.Admin.PostAsync($"/v1/consumers/{consumer}/erasure", null);
        await WaitAsync(pg, $"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> {holderPid} AND NOT {holderPid} = ANY(pg_blocking_pids(pid))",
            erasure, "the erasure neither finished nor waited", doneIsEnough: true);

        await hold.RollbackAsync();
        var response = await written;
        await Expect(await erasure, HttpStatusCode.OK);
        return response;
    }

    private async Task ExpectNoWordsAsync(TestTenant tenant, Guid complaintId)
    {
        await using var connection = await ((PostgresTestDatabase)Db).OpenAdminAsync();
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM complaint_keywords WHERE complaint_id = @Id AND word_hash IS NOT NULL", connection);
        count.Parameters.AddWithValue("Id", complaintId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await count.ExecuteScalarAsync(), Is.Zero, "the erased consumer's words are still indexed");
            Assert.That((await Read<Page<ComplaintSummaryDto>>(await tenant.Admin.GetAsync("/v1/complaints?q=quetzalcoatl"))).Items,
                Is.Empty, "a search still finds the erased consumer's complaint by the words written in flight");
        }
    }

    // Polls (bounded) until the condition's count is above zero, or, when doneIsEnough, the request has finished.
    private static async Task WaitAsync(PostgresTestDatabase pg, string condition, Task request, string failure, bool doneIsEnough = false)
    {
        await using var connection = await pg.OpenAdminAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await new NpgsqlCommand(condition, connection).ExecuteScalarAsync())! == 0)
        {
            if (request.IsCompleted)
            {
                Assert.That(doneIsEnough, Is.True, $"{failure}: it finished first");
                return;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), failure);
            await Task.Delay(20);
        }
    }
}
