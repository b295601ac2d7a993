using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Webhooks;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Dapper;

namespace Cms.Tests.Events;

/// <summary>
/// Webhook endpoints through the HTTP API, on both databases, with production URL rules (no loopback): CRUD for tenant
/// admins, the secret answered once and stored sealed, SSRF-minded URL checks, optimistic concurrency, soft delete.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class WebhookApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static object Body(string url = "https://hooks.example.com/cms", string[]? types = null, string? secret = null) =>
        new { url, eventTypes = types ?? ["complaint.*"], secret };

    [Test]
    public async Task The_secret_is_answered_once_and_stored_sealed()
    {
        var tenant = await CreateTenantAsync();
        var response = await tenant.Admin.PostAsJsonAsync("/v1/webhooks", Body(), Json);
        var created = await Read<WebhookCreatedDto>(response, HttpStatusCode.Created);
        Assert.That(created.Secret, Does.StartWith("whsec_").And.Length.GreaterThan(40));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/v1/webhooks/{created.Webhook.Id}"));

        var supplied = "my-own-secret-0123456789-abcdefgh";
        var second = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", Body(secret: supplied), Json),
            HttpStatusCode.Created);
        Assert.That(second.Secret, Is.EqualTo(supplied));

        foreach (var path in new[] { $"/v1/webhooks/{created.Webhook.Id}", "/v1/webhooks", "/v1/audit?limit=200" })
        {
            var raw = await tenant.Admin.GetStringAsync(path);
            Assert.That(raw, Does.Not.Contain(created.Secret).And.Not.Contain(supplied), path);
        }

        await using var connection = Db.OpenPrivileged();
        var stored = (await connection.QueryAsync<string>("SELECT secret_sealed FROM webhook_endpoints")).ToList();
        Assert.That(stored, Has.Count.EqualTo(2));
        Assert.That(stored, Has.None.Contains(created.Secret).And.None.Contains(supplied).And.None.Contains("my-own-secret"));
        var idempotency = await connection.QueryAsync<string?>("SELECT response_body FROM idempotency_keys");
        Assert.That(idempotency, Has.None.Contains(created.Secret));
    }

    [TestCase("http://hooks.example.com/cms", Description = "plain http")]
    [TestCase("ftp://hooks.example.com/cms")]
    [TestCase("/relative/path")]
    [TestCase("https://user:password@hooks.example.com/cms")]
    [TestCase("https://hooks.example.com/cms#fragment")]
    [TestCase("https://127.0.0.1/cms", Description = "loopback")]
    [TestCase("http://localhost:8080/cms")]
    [TestCase("https://[::1]/cms")]
    [TestCase("https://10.1.2.3/cms", Description = "RFC 1918")]
    [TestCase("https://172.20.0.1/cms")]
    [TestCase("https://192.168.1.1/cms")]
    [TestCase("https://169.254.169.254/latest/meta-data", Description = "cloud metadata")]
    [TestCase("https://100.64.0.1/cms", Description = "CGNAT")]
    [TestCase("https://0.0.0.0/cms")]
    [TestCase("https://[fd00::1]/cms", Description = "unique local")]
    [TestCase("https://[::ffff:10.0.0.1]/cms", Description = "IPv4-mapped private")]
    [TestCase("https://intranet/cms", Description = "single-label host")]
    [TestCase("https://printer.local/cms")]
    public async Task An_internal_or_insecure_url_is_refused(string url)
    {
        var tenant = await CreateTenantAsync();
        var response = await tenant.Admin.PostAsJsonAsync("/v1/webhooks", Body(url), Json);
        await Expect(response, HttpStatusCode.BadRequest);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("url"));
        Assert.That((await Read<Page<WebhookDto>>(await tenant.Admin.GetAsync("/v1/webhooks"))).Items, Is.Empty, "nothing was stored");
    }

    [Test]
    public async Task Bad_event_types_and_secrets_are_refused()
    {
        var tenant = await CreateTenantAsync();
        foreach (var body in new object[]
                 {
                     new { url = "https://hooks.example.com/cms" },
                     Body(types: []),
                     Body(types: ["Complaint.Filed"]),
                     Body(types: ["complaint"]),
                     Body(types: ["complaint.filed; drop table"]),
                     Body(secret: "short"),
                     Body(secret: "has spaces in it which are not allowed here"),
                     new { url = "https://hooks.example.com/cms", eventTypes = new[] { "*" }, after = -1 },
                 })
        {
            await Expect(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", body, Json), HttpStatusCode.BadRequest);
        }
    }

    [Test]
    public async Task Update_and_delete_follow_the_version_and_only_tenant_admins_manage_webhooks()
    {
        var tenant = await CreateTenantAsync();
        var created = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", Body(types: ["*"]), Json),
            HttpStatusCode.Created);
        var id = created.Webhook.Id;

        var stale = new HttpRequestMessage(HttpMethod.Patch, $"/v1/webhooks/{id}") { Content = JsonContent.Create(new { active = false }, options: Json) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        await Expect(await tenant.Admin.SendAsync(stale), HttpStatusCode.PreconditionFailed);

        var update = new HttpRequestMessage(HttpMethod.Patch, $"/v1/webhooks/{id}")
        {
            Content = JsonContent.Create(new { url = "https://other.example.org/in", eventTypes = new[] { "consumer.*", "complaint.filed" }, active = false }, options: Json),
        };
        update.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        var updateResponse = await tenant.Admin.SendAsync(update);
        var updated = await Read<WebhookDto>(updateResponse);
        Assert.That(updated.Version, Is.EqualTo(2));
        Assert.That(updateResponse.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
        Assert.That(updated.Url, Is.EqualTo("https://other.example.org/in"));
        Assert.That(updated.EventTypes, Is.EqualTo(new[] { "complaint.filed", "consumer.*" }));
        Assert.That(updated.Active, Is.False);
        await Expect(await tenant.Admin.PatchAsJsonAsync($"/v1/webhooks/{id}", new { url = "https://10.0.0.1/x" }, Json), HttpStatusCode.BadRequest);

        foreach (var role in new[] { Role.Agent, Role.Supervisor, Role.Auditor, Role.Integration })
        {
            var (_, client) = await tenant.AddStaffAsync(role);
            await Expect(await client.GetAsync($"/v1/webhooks/{id}"), HttpStatusCode.Forbidden);
            await Expect(await client.PostAsJsonAsync("/v1/webhooks", Body(), Json), HttpStatusCode.Forbidden);
            await Expect(await client.DeleteAsync($"/v1/webhooks/{id}"), HttpStatusCode.Forbidden);
        }

        await Expect(await tenant.Admin.DeleteAsync($"/v1/webhooks/{id}"), HttpStatusCode.NoContent);
        await Expect(await tenant.Admin.GetAsync($"/v1/webhooks/{id}"), HttpStatusCode.NotFound);
        await Expect(await tenant.Admin.DeleteAsync($"/v1/webhooks/{id}"), HttpStatusCode.NotFound);
        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/webhooks/{id}/replay", new { fromPosition = 1 }, Json), HttpStatusCode.NotFound);
        Assert.That((await Read<Page<WebhookDto>>(await tenant.Admin.GetAsync("/v1/webhooks"))).Items, Is.Empty);

        var audit = await Read<Page<Cms.Application.Audit.AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        Assert.That(audit.Items.Where(a => a.EntityId == id).Select(a => a.Action),
            Is.EqualTo(new[] { "webhook.created", "webhook.updated", "webhook.deleted" }));
    }

    [Test]
    public async Task A_new_endpoint_starts_at_the_end_of_the_feed_unless_told_where()
    {
        var tenant = await CreateTenantAsync();
        await tenant.RegisterConsumerAsync();
        // "The end of the feed" is its last placed event; on PostgreSQL the sealer places committed events a moment later.
        await SealAsync(tenant.Id);
        var fromNow = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks", Body(types: ["*"]), Json),
            HttpStatusCode.Created);
        Assert.That(fromNow.Webhook.DeliveredPosition, Is.EqualTo(4), "tenant.created, legal_entity.created, staff.added, consumer.registered were before it");

        var fromStart = await Read<WebhookCreatedDto>(await tenant.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = "https://hooks.example.com/all", eventTypes = new[] { "*" }, after = 0 }, Json), HttpStatusCode.Created);
        Assert.That(fromStart.Webhook.DeliveredPosition, Is.Zero);

        var replayed = await Read<WebhookDto>(await tenant.Admin.PostAsJsonAsync($"/v1/webhooks/{fromNow.Webhook.Id}/replay", new { fromPosition = 2 }, Json));
        Assert.That(replayed.DeliveredPosition, Is.EqualTo(1));
        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/webhooks/{fromNow.Webhook.Id}/replay", new { fromPosition = 0 }, Json),
            HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task The_feed_and_webhook_routes_are_in_the_OpenAPI_document()
    {
        using var anonymous = Factory.CreateClient();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/v1/events", "/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/replay", "/v1/webhooks/{id}/attempts",
        }));
        var events = document["paths"]!["/v1/events"]!["get"]!;
        Assert.That(events["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "after", "limit" }));
    }
}
