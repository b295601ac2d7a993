using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Tenants;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>Helpers of the Idempotency-Key tests.</summary>
internal static class Idempotent
{
    public const string Header = "Idempotency-Key";

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: ApiTestBase.Json) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(Header, key);
        }

        return client.SendAsync(request);
    }

    public static string NewKey() => $"key-{Guid.NewGuid():N}";

    public static async Task<long> CountAsync(TestDatabase db, string sql)
    {
        await using var connection = db.OpenPrivileged();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static object Complaint(Guid consumerId, string description = "Charged twice for the same transfer.") => new
    {
        consumerId,
        channel = "web",
        product = "current_account",
        category = "fees",
        description,
    };

    public static object Consumer(string externalRef) => new { externalRef, fullName = "Jane Consumer", email = "jane@example.test" };

    public static async Task<(int Status, string Body, string? Location, string? ETag)> SnapshotAsync(HttpResponseMessage response) =>
        ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString,
            response.Headers.ETag?.ToString());
}

/// <summary>Idempotency-Key on the POSTs that create (security.md 13): replay, 422 on another body, 409 in flight, scopes.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class IdempotencyApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task A_repeated_complaint_replays_the_first_answer_and_files_nothing_new()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();

        var first = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key);
        var created = await Read<ComplaintDto>(first, HttpStatusCode.Created);
        var second = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key);

        var a = await Idempotent.SnapshotAsync(first);
        var b = await Idempotent.SnapshotAsync(second);
        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(a.Location, Is.EqualTo($"/v1/complaints/{created.Id}"));
            Assert.That(a.ETag, Is.EqualTo($"\"{created.Version}\""));
            Assert.That(second.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        });
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.EqualTo(1));
    }

    [Test]
    public async Task Each_creating_post_replays_under_its_key()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var subject = $"staff-{Guid.NewGuid():N}";
        var posts = new (string Path, object Body, string Table)[]
        {
            ("/v1/consumers", Idempotent.Consumer($"EXT-{Guid.NewGuid():N}"), "consumers"),
            ("/v1/staff", new { subject, email = $"{subject}@example.test", displayName = "Staff", roles = new[] { Role.Agent }, kind = "user" }, "staff_users"),
            ($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "a note" }, "complaint_notes"),
            ("/v1/queues", new { code = $"q-{Guid.NewGuid():N}"[..20], name = "Cards" }, "queues"),
        };

        foreach (var (path, body, table) in posts)
        {
            var before = await Idempotent.CountAsync(Db, $"SELECT count(*) FROM {table}");
            var key = Idempotent.NewKey();
            var first = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(tenant.Admin, path, body, key));
            var second = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(tenant.Admin, path, body, key));
            Assert.That(first.Status, Is.EqualTo(201), $"{path}: {first.Body}");
            Assert.That(second, Is.EqualTo(first), path);
            Assert.That(first.Location, Is.Not.Null, path);
            Assert.That(await Idempotent.CountAsync(Db, $"SELECT count(*) FROM {table}"), Is.EqualTo(before + 1), path);
        }
    }

    [Test]
    public async Task A_response_recorded_twice_with_one_key_is_recorded_once_and_the_repeat_replays_instead_of_412()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var sentAt = complaint.ReceivedAt; // not before the complaint was received, not in the future

        Task<HttpResponseMessage> RecordAsync(string type, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/complaints/{complaint.Id}/responses")
            {
                Content = JsonContent.Create(new { type, sentAt }, options: Json),
            };
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{complaint.Version}\"");
            request.Headers.TryAddWithoutValidation(Idempotent.Header, key);
            return tenant.Admin.SendAsync(request);
        }

        var key = Idempotent.NewKey();
        var first = await Idempotent.SnapshotAsync(await RecordAsync("holding_response", key));
        Assert.That(first.Status, Is.EqualTo(200), first.Body);

        // The repeat carries the If-Match of before the first: without the key it would be 412; with it, the first answer.
        var repeat = await Idempotent.SnapshotAsync(await RecordAsync("holding_response", key));
        var other = await RecordAsync("adr_letter", key);
        Assert.Multiple(async () =>
        {
            Assert.That(repeat, Is.EqualTo(first), "status, body and ETag replayed");
            Assert.That(first.ETag, Is.Not.Null);
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), "same key, another body");
            Assert.That(await Idempotent.CountAsync(Db, $"SELECT count(*) FROM complaint_responses"), Is.EqualTo(1));
            Assert.That((await RecordAsync("holding_response", Idempotent.NewKey())).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed),
                "a new key is a new request: its If-Match is stale");
        });
    }

    [Test]
    public async Task A_platform_operator_creating_a_tenant_twice_with_one_key_gets_one_tenant()
    {
        var before = await Idempotent.CountAsync(Db, "SELECT count(*) FROM tenants");
        var key = Idempotent.NewKey();
        var body = new
        {
            name = "Replay Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = $"admin-{Guid.NewGuid():N}", email = "admin@example.test", displayName = "Admin" },
        };

        var first = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(Platform, "/v1/tenants", body, key));
        var second = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(Platform, "/v1/tenants", body, key));
        Assert.That(first.Status, Is.EqualTo(201), first.Body);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM tenants"), Is.EqualTo(before + 1));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM platform_idempotency_keys"), Is.EqualTo(1));

        var changed = await Idempotent.PostAsync(Platform, "/v1/tenants", new { name = "Other Bank", sector = "banking", jurisdiction = "UK", admin = new { subject = "x-admin", email = "x@example.test", displayName = "X" } }, key);
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM tenants"), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task The_same_key_with_another_body_is_422_and_writes_nothing()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key), HttpStatusCode.Created);

        var other = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id, "Something else entirely."), key);
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(other.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await other.Content.ReadAsStringAsync(), Does.Contain("idempotency.key_reused"));

        // Another route under the same key is another request too.
        var consumerPost = await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("EXT-OTHER"), key);
        Assert.That(consumerPost.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));

        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_key_is_scoped_to_its_principal_and_tenant()
    {
        var a = await CreateTenantAsync("Tenant A");
        var b = await CreateTenantAsync("Tenant B");
        var (_, agent) = await a.AddStaffAsync(Role.Agent);
        var key = Idempotent.NewKey();

        var byAdmin = await Read<ConsumerDto>(await Idempotent.PostAsync(a.Admin, "/v1/consumers", Idempotent.Consumer("EXT-1"), key), HttpStatusCode.Created);
        var byAgent = await Read<ConsumerDto>(await Idempotent.PostAsync(agent, "/v1/consumers", Idempotent.Consumer("EXT-2"), key), HttpStatusCode.Created);
        var inB = await Read<ConsumerDto>(await Idempotent.PostAsync(b.Admin, "/v1/consumers", Idempotent.Consumer("EXT-1"), key), HttpStatusCode.Created);

        Assert.That(new[] { byAdmin.Id, byAgent.Id, inB.Id }, Is.Unique);
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.EqualTo(3));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.EqualTo(3));
    }

    [Test]
    public async Task Concurrent_duplicates_create_one_complaint_and_the_others_replay_it_or_get_409()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key)));
        var snapshots = await Task.WhenAll(responses.Select(Idempotent.SnapshotAsync));

        Assert.That(snapshots.Select(s => s.Status), Has.All.AnyOf(201, 409), string.Join("\n", snapshots.Select(s => s.Body)));
        var created = snapshots.Where(s => s.Status == 201).ToList();
        Assert.That(created, Is.Not.Empty);
        Assert.That(created.Distinct().Count(), Is.EqualTo(1), "every 201 is the one first answer");
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));

        // Once the first has committed, a further duplicate replays it.
        var later = await Idempotent.SnapshotAsync(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key));
        Assert.That(later, Is.EqualTo(created[0]));
    }

    [TestCase("non-ascii")]
    [TestCase("a-key-that-is-too-long")]
    [TestCase("two-values")]
    public async Task An_invalid_key_is_400_naming_the_header(string what)
    {
        var tenant = await CreateTenantAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/consumers")
        {
            Content = JsonContent.Create(Idempotent.Consumer("EXT-1"), options: Json),
        };
        switch (what)
        {
            case "non-ascii":
                request.Headers.TryAddWithoutValidation(Idempotent.Header, "cl\u00e9");
                break;
            case "two-values":
                request.Headers.TryAddWithoutValidation(Idempotent.Header, ["one", "two"]);
                break;
            default:
                request.Headers.TryAddWithoutValidation(Idempotent.Header, new string('k', 256));
                break;
        }

        var response = await tenant.Admin.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(Idempotent.Header));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.Zero);
    }

    [TestCase("", ExpectedResult = false)]
    [TestCase(" padded", ExpectedResult = false)]
    [TestCase("tab\there", ExpectedResult = false)]
    [TestCase("cl\u00e9", ExpectedResult = false)]
    [TestCase("order 42/attempt:1", ExpectedResult = true)]
    [TestCase("~!", ExpectedResult = true)]
    public bool Keys_are_1_to_255_printable_ascii_characters(string key) => Cms.Api.Http.IdempotencyFilter.IsValidKey(key);

    [Test]
    public async Task A_key_of_255_printable_characters_is_accepted()
    {
        var tenant = await CreateTenantAsync();
        var key = new string('k', 254) + "~";
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("EXT-1"), key), HttpStatusCode.Created);
    }

    [Test]
    public async Task A_failed_request_stores_nothing_and_may_be_retried_with_the_same_key()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var key = Idempotent.NewKey();

        var invalid = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", new { consumerId = consumer.Id, channel = "web" }, key);
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var missing = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(Guid.NewGuid()), key);
        Assert.That(missing.StatusCode, Is.Not.EqualTo(HttpStatusCode.Created));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.Zero);

        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), key), HttpStatusCode.Created);
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_forbidden_caller_stores_nothing()
    {
        var tenant = await CreateTenantAsync();
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var key = Idempotent.NewKey();
        var response = await Idempotent.PostAsync(auditor, "/v1/consumers", Idempotent.Consumer("EXT-1"), key);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.Zero);
    }

    [Test]
    public async Task Without_a_key_every_post_creates()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), null), HttpStatusCode.Created);
        await Expect(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", Idempotent.Complaint(consumer.Id), null), HttpStatusCode.Created);
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(2));
        Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM idempotency_keys"), Is.Zero);
    }
}

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
