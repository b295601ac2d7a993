using System.Net;
using Cms.Application.Complaints;
using Cms.Application.Tenants;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>Keys expire after Cms:Idempotency:Retention: an expired key is not replayed, and a claim purges nothing.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class IdempotencyExpiryApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Idempotency:Retention"] = "00:00:00.001",
    };

    [Test]
    public async Task An_expired_key_is_not_replayed_and_claims_delete_no_rows()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();

        var first = await Read<ComplaintDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key),
            HttpStatusCode.Created);
        await Task.Delay(50);
        var second = await Read<ComplaintDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key),
            HttpStatusCode.Created);
        Assert.That(second.Id, Is.Not.EqualTo(first.Id));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(2));

        // Once expired, even another body may use the key.
        await Task.Delay(50);
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id, "Another matter."), key),
            HttpStatusCode.Created);

        // A claim deletes nothing (expired rows go in the background purge's own transactions: on Citus an owner's
        // function may not delete after cms_app wrote in the same transaction): a use of another key adds its row.
        await Task.Delay(50);
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), Idempotent.NewKey()),
            HttpStatusCode.Created);
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.EqualTo(2));
    }

    [Test]
    public async Task An_expired_platform_key_is_not_replayed()
    {
        var key = Idempotent.NewKey();
        object Body() => new
        {
            name = "Expiry Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
        };

        var first = await Read<TenantDto>(await Idempotent.PostAsync(Platform, "/v1/tenants", Body(), key), HttpStatusCode.Created);
        await Task.Delay(50);
        var second = await Read<TenantDto>(await Idempotent.PostAsync(Platform, "/v1/tenants", Body(), key), HttpStatusCode.Created);
        Assert.That(second.Id, Is.Not.EqualTo(first.Id));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM platform_idempotency_keys"), Is.EqualTo(1));
    }
}

/// <summary>
/// The 409 while the first request with a key is still running, made deterministic on PostgreSQL: the test holds the
/// consumer's row locked (FOR UPDATE) from its own connection, so the first filing claims its key (the advisory lock
/// of the key) and then waits for the row at its complaint's foreign key check; a repeat with the same key and body meanwhile is 409, and once the test lets
/// go the first answers 201 and a third repeat replays it.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class IdempotencyInFlightTests() : ApiTestBase(DatabaseKind.Postgres)
{
    [Test]
    public async Task A_repeat_while_the_first_request_is_held_is_409_then_the_first_answers_201_and_a_third_replays_it()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();
        var body = Idempotent.Complaint(consumer.Id);

        await using var holder = new Npgsql.NpgsqlConnection(((PostgresTestDatabase)Db).AdminConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        int holderPid;
        await using (var command = new Npgsql.NpgsqlCommand(
                         "SELECT pg_backend_pid() FROM consumers WHERE tenant_id = @TenantId AND id = @Id FOR UPDATE", holder, hold))
        {
            command.Parameters.AddWithValue("TenantId", tenant.Id);
            command.Parameters.AddWithValue("Id", consumer.Id);
            holderPid = (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("no consumer row"));
        }

        var first = Idempotent.PostAsync(tenant.Admin, "/v1/complaints", body, key);

        // Bounded wait until the first request's backend is blocked by the test's lock (it holds its key by then: the
        // key is claimed before the use case runs).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await Idempotent.CountAsync(Db, $"SELECT count(*) FROM pg_stat_activity WHERE {holderPid} = ANY(pg_blocking_pids(pid))") == 0)
        {
            Assert.That(first.IsCompleted, Is.False, "the first request finished without waiting for the test's lock");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the first request never waited for the test's lock");
            await Task.Delay(20);
        }

        var second = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", body, key);
        var problem = await AssertProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Multiple(async () =>
        {
            Assert.That(StringOf(problem, "code"), Is.EqualTo("idempotency.in_flight"));
            Assert.That(first.IsCompleted, Is.False, "the first request is still held");
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.Zero);
        });

        await hold.RollbackAsync();
        var created = await Idempotent.SnapshotAsync(await first);
        Assert.That(created.Status, Is.EqualTo(201), created.Body);

        var third = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", body, key));
        Assert.Multiple(async () =>
        {
            Assert.That(third, Is.EqualTo(created), "the third replays the first answer: status, body, Location, ETag");
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM audit_entries WHERE action = 'complaint.filed'"), Is.EqualTo(1));
        });
    }
}

/// <summary>
/// The background purge (Cms:Idempotency:PurgeInterval): expired keys of a tenant that sends no more keys, and of the
/// platform, disappear without any later claim (the lazy purge of a claim only reaches its own scope); keys that have
/// not expired stay, in every tenant. Batches of 2, so a tenant's backlog takes several transactions.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class IdempotencyBackgroundPurgeTests(DatabaseKind kind) : ApiTestBase(kind)
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Idempotency:PurgeInterval"] = "00:00:00.200",
        ["Cms:Idempotency:PurgeBatchSize"] = "2",
    };

    [Test]
    public async Task Expired_keys_of_a_silent_tenant_and_of_the_platform_are_purged_and_unexpired_keys_stay()
    {
        var silent = await CreateTenantAsync("Silent Bank");
        var other = await CreateTenantAsync("Other Bank");
        var expired = new List<string>();
        var fresh = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var key = Idempotent.NewKey();
            await Expect(await Idempotent.PostAsync(silent.Admin, "/v1/consumers", Idempotent.Consumer($"EXT-S{i}"), key), HttpStatusCode.Created);
            (i < 4 ? expired : fresh).Add(key);
        }

        foreach (var i in new[] { 0, 1 })
        {
            var key = Idempotent.NewKey();
            await Expect(await Idempotent.PostAsync(other.Admin, "/v1/consumers", Idempotent.Consumer($"EXT-O{i}"), key), HttpStatusCode.Created);
            (i == 0 ? expired : fresh).Add(key);
        }

        foreach (var i in new[] { 0, 1 })
        {
            var key = Idempotent.NewKey();
            await Expect(await Idempotent.PostAsync(Platform, "/v1/tenants", new
            {
                name = $"Purge Bank {i}",
                sector = "banking",
                jurisdiction = "UK",
                admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
            }, key), HttpStatusCode.Created);
            (i == 0 ? expired : fresh).Add(key);
        }

        // Counted before they expire: the background purge may take them at once afterwards.
        Assert.That(await CountKeysAsync(expired), Is.EqualTo(6), "the keys to expire are there before the purge");

        // Expire the chosen keys as time would: expires_at back to their creation instant (in the stored format of
        // each database). No request claims a key from here on.
        await using (var connection = Db.OpenPrivileged())
        {
            foreach (var table in new[] { "idempotency_keys", "platform_idempotency_keys" })
            {
                await using var update = connection.CreateCommand();
                update.CommandText = $"UPDATE {table} SET expires_at = created_at WHERE idem_key IN ({string.Join(", ", expired.Select(k => $"'{k}'"))})";
                await update.ExecuteNonQueryAsync();
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await CountKeysAsync(expired) > 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the background purge never removed the expired keys");
            await Task.Delay(100);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await CountKeysAsync(fresh), Is.EqualTo(3), "unexpired keys stay: one of each tenant's and the platform's");
            foreach (var key in fresh)
            {
                Assert.That(await CountKeysAsync([key]), Is.EqualTo(1), "each unexpired key stays");
            }

            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.EqualTo(7), "only keys are purged");
        });

        // The kept keys still replay.
        using var replay = await Idempotent.PostAsync(silent.Admin, "/v1/consumers", Idempotent.Consumer("EXT-S4"), fresh[0]);
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.EqualTo(7));
    }

    private async Task<long> CountKeysAsync(IEnumerable<string> keys)
    {
        var list = string.Join(", ", keys.Select(k => $"'{k}'"));
        return await Idempotent.CountAsync(Db, $"SELECT count(*) FROM idempotency_keys WHERE idem_key IN ({list})") +
               await Idempotent.CountAsync(Db, $"SELECT count(*) FROM platform_idempotency_keys WHERE idem_key IN ({list})");
    }
}
