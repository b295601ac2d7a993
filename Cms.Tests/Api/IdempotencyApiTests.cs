using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Domain.Staff;
using Cms.Tests.Support;

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
