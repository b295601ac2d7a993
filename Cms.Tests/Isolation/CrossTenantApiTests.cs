using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Webhooks;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Isolation;

/// <summary>
/// security.md points 3 and 5 through the HTTP API, on SQLite (the application lock alone) and on PostgreSQL (both
/// locks): with tenant B's credentials, every endpoint given tenant A's ids answers exactly as for an id that does not
/// exist (same status, same problem body but for the trace id), and A's data is unchanged afterwards. B's lists never
/// hold A's rows; B may reuse A's external reference and e-mail; a tenant id in a body, header or query is ignored.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class CrossTenantApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private sealed record World(
        TestTenant A,
        TestTenant B,
        StaffDto AAgent,
        HttpClient AAgentClient,
        ConsumerDto AConsumer,
        ComplaintDto AComplaint,
        NoteDto ANote,
        IReadOnlyList<Guid> AStaffIds,
        StaffDto BAgent,
        HttpClient BAgentClient,
        ConsumerDto BConsumer,
        ComplaintDto BComplaint,
        Guid AWebhookId,
        HttpClient AIntegrationClient,
        HttpClient BIntegrationClient,
        Guid AQueueId);

    /// <summary>Two tenants with the same shape of data; A's complaint is assigned, acknowledged and has a note.</summary>
    private async Task<World> SeedAsync()
    {
        var a = await CreateTenantAsync("Tenant A Bank");
        // Both tenants have a "cards" queue (codes are per tenant), which their agent works; A also has one of its own.
        var (aAgent, aAgentClient) = await a.AddQueueAgentAsync("cards");
        var aQueue = await a.CreateQueueAsync("a-private");
        var aConsumer = await a.RegisterConsumerAsync(aAgentClient, $"A-{Guid.NewGuid():N}", $"a-{Guid.NewGuid():N}@example.test");
        var aComplaint = await a.FileComplaintAsync(aConsumer.Id, aAgentClient, queue: "cards");
        aComplaint = await Read<ComplaintDto>(await TransitionAsync(aAgentClient, aComplaint.Id, "assign", aComplaint.Version,
            new { assigneeId = aAgent.Id }));
        aComplaint = await Read<ComplaintDto>(await TransitionAsync(aAgentClient, aComplaint.Id, "acknowledge", aComplaint.Version));
        var aNote = await Read<NoteDto>(await aAgentClient.PostAsJsonAsync($"/v1/complaints/{aComplaint.Id}/notes",
            new { kind = "internal", body = "A's private note" }, Json), HttpStatusCode.Created);
        var aWebhook = await Read<WebhookCreatedDto>(await a.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = "https://hooks.a-bank.example/cms", eventTypes = new[] { "*" } }, Json), HttpStatusCode.Created);
        var (_, aIntegration) = await a.AddStaffAsync(Role.Integration);
        var aStaff = await Read<Page<StaffDto>>(await a.Admin.GetAsync("/v1/staff?limit=100"));

        var b = await CreateTenantAsync("Tenant B Bank");
        var (bAgent, bAgentClient) = await b.AddQueueAgentAsync("cards");
        var bConsumer = await b.RegisterConsumerAsync(bAgentClient);
        var bComplaint = await b.FileComplaintAsync(bConsumer.Id, bAgentClient, queue: "cards");
        var (_, bIntegration) = await b.AddStaffAsync(Role.Integration);

        Assert.That(aStaff.Items, Has.Count.EqualTo(3), "A's tenant admin, agent and integration account");
        return new World(a, b, aAgent, aAgentClient, aConsumer, aComplaint, aNote, [.. aStaff.Items.Select(s => s.Id)], bAgent, bAgentClient,
            bConsumer, bComplaint, aWebhook.Webhook.Id, aIntegration, bIntegration, aQueue.Id);
    }

    /// <summary>What A itself reads of its data: bodies and ETags of every resource the probes aim at.</summary>
    private static async Task<List<string>> ReadAsA(World w)
    {
        var paths = new[]
        {
            $"/v1/consumers/{w.AConsumer.Id}",
            $"/v1/complaints/{w.AComplaint.Id}",
            $"/v1/complaints/{w.AComplaint.Id}/notes?limit=100",
            $"/v1/complaints/{w.AComplaint.Id}/history?limit=100",
            "/v1/complaints?limit=100",
            "/v1/staff?limit=100",
            "/v1/audit?limit=200",
            $"/v1/consumers?externalRef={Uri.EscapeDataString(w.AConsumer.ExternalRef!)}",
            $"/v1/webhooks/{w.AWebhookId}",
            "/v1/webhooks?limit=100",
            "/v1/queues?limit=100",
            "/v1/complaints?queue=cards&unassigned=false",
            "/v1/complaints/due?queue=cards",
            $"/v1/webhooks/{w.AWebhookId}/attempts?limit=100",
        };
        var snapshot = new List<string>();
        foreach (var path in paths)
        {
            var response = await w.A.Admin.GetAsync(path);
            await Expect(response, HttpStatusCode.OK);
            snapshot.Add($"{path} {response.Headers.ETag} {await response.Content.ReadAsStringAsync()}");
        }

        var events = await w.AIntegrationClient.GetAsync("/v1/events?limit=200");
        await Expect(events, HttpStatusCode.OK);
        snapshot.Add($"/v1/events {await events.Content.ReadAsStringAsync()}");

        return snapshot;
    }

    private sealed record Answer(HttpStatusCode Status, JsonNode? Body, string Raw)
    {
        public string? Code => Body is JsonObject o && o["code"] is JsonValue v ? v.GetValue<string>() : null;
    }

    private static async Task<Answer> AnswerOf(HttpResponseMessage response)
    {
        var raw = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (raw.Length > 0)
        {
            body = JsonNode.Parse(raw);
            if (body is JsonObject o)
            {
                o.Remove("traceId");
            }
        }

        return new Answer(response.StatusCode, body, raw);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null, long? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        if (ifMatch is { } version)
        {
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        }

        return request;
    }

    /// <summary>Sends the request with A's id and with a fresh random id, as B; both must be the same 404.</summary>
    private static async Task AssertAnswersLikeAMissingId(HttpClient asB, string what, Guid foreignId, Func<Guid, HttpRequestMessage> request,
        HttpStatusCode? expected = HttpStatusCode.NotFound)
    {
        var foreign = await AnswerOf(await asB.SendAsync(request(foreignId)));
        var missing = await AnswerOf(await asB.SendAsync(request(Guid.NewGuid())));
        Assert.Multiple(() =>
        {
            if (expected is { } status)
            {
                Assert.That(foreign.Status, Is.EqualTo(status), $"{what}: {foreign.Raw}");
                Assert.That(foreign.Code, Is.Not.Null, $"{what}: problem code");
            }

            Assert.That(foreign.Status, Is.EqualTo(missing.Status), $"{what}: status");
            Assert.That(foreign.Code, Is.EqualTo(missing.Code), $"{what}: problem code");
            Assert.That(JsonNode.DeepEquals(foreign.Body, missing.Body), Is.True,
                $"{what}: the problem body differs\n  A's id:   {foreign.Body?.ToJsonString()}\n  missing:  {missing.Body?.ToJsonString()}");
        });
    }

    [Test]
    public async Task Tenant_B_given_tenant_A_ids_gets_exactly_what_a_missing_id_gets_and_A_is_unchanged()
    {
        var w = await SeedAsync();
        var asB = w.B.Admin; // tenant_admin: every tenant use case is open to it
        var before = await ReadAsA(w);
        var version = w.AComplaint.Version; // A's real version: a stale-version answer would reveal that the id exists

        foreach (var (who, client) in new[] { ("B's tenant admin", asB), ("B's agent", w.BAgentClient) })
        {
            await AssertAnswersLikeAMissingId(client, $"{who}: GET consumer", w.AConsumer.Id, id => Request(HttpMethod.Get, $"/v1/consumers/{id}"));
            await AssertAnswersLikeAMissingId(client, $"{who}: PATCH consumer", w.AConsumer.Id,
                id => Request(HttpMethod.Patch, $"/v1/consumers/{id}", new { fullName = "Mallory", email = "mallory@example.test" }, w.AConsumer.Version));
            if (client == asB) // tenant_admin only: an agent is refused 403 before any id is looked at
            {
                await AssertAnswersLikeAMissingId(client, $"{who}: PUT consumer legal hold", w.AConsumer.Id,
                    id => Request(HttpMethod.Put, $"/v1/consumers/{id}/legal-hold", new { onHold = true }));
                await AssertAnswersLikeAMissingId(client, $"{who}: POST consumer erasure", w.AConsumer.Id,
                    id => Request(HttpMethod.Post, $"/v1/consumers/{id}/erasure"));
            }

            await AssertAnswersLikeAMissingId(client, $"{who}: GET complaint", w.AComplaint.Id, id => Request(HttpMethod.Get, $"/v1/complaints/{id}"));

            var transitions = new (string Step, object? Body)[]
            {
                ("acknowledge", null),
                ("start", null),
                ("await-consumer", null),
                ("assign", new { assigneeId = w.BAgent.Id }),
                ("resolve", new { outcome = "upheld", redress = new { monetary = new { amountMinor = 100, currency = "GBP" } }, rootCause = "x" }),
                ("close", null),
                ("reopen", null),
                ("refer", new { body = "Financial Ombudsman Service", reference = "FOS-1" }),
                ("referral-outcome", new { outcome = "settled" }),
                ("responses", new { type = "holding_response", sentAt = DateTimeOffset.UtcNow.AddMinutes(-1) }),
                ("classify", new { product = "mortgage", category = "fees" }),
                ("merge", new { duplicateId = w.BComplaint.Id }),
                ("received-at", new { receivedAt = DateTimeOffset.UtcNow.AddDays(-1) }),
                ("payment-services", new { paymentServices = true }),
                ("disability", new { disability = true }),
                ("provisional-credit", new { creditedAt = DateTimeOffset.UtcNow.AddMinutes(-1) }),
                ("queue", new { queue = "cards" }),
            };
            foreach (var (step, body) in transitions)
            {
                // An agent may not reopen at all (supervisor+): refused alike for any id, before any lookup.
                // Nor move a complaint between queues (supervisor+).
                var expected = step is "reopen" or "queue" && client != asB ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
                await AssertAnswersLikeAMissingId(client, $"{who}: POST complaint {step}", w.AComplaint.Id,
                    id => Request(HttpMethod.Post, $"/v1/complaints/{id}/{step}", body ?? new { }, version), expected);
            }

            await AssertAnswersLikeAMissingId(client, $"{who}: PUT complaint vulnerability", w.AComplaint.Id,
                id => Request(HttpMethod.Put, $"/v1/complaints/{id}/vulnerability",
                    new { involved = true, drivers = new[] { "health" }, consentGivenAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, version));
            await AssertAnswersLikeAMissingId(client, $"{who}: POST note", w.AComplaint.Id,
                id => Request(HttpMethod.Post, $"/v1/complaints/{id}/notes", new { kind = "internal", body = "B was here" }));
            await AssertAnswersLikeAMissingId(client, $"{who}: GET notes", w.AComplaint.Id, id => Request(HttpMethod.Get, $"/v1/complaints/{id}/notes"));
            await AssertAnswersLikeAMissingId(client, $"{who}: GET history", w.AComplaint.Id, id => Request(HttpMethod.Get, $"/v1/complaints/{id}/history"));
        }

        // A's webhook endpoint: read, change, delete, replay, attempts.
        await AssertAnswersLikeAMissingId(asB, "GET A's webhook", w.AWebhookId, id => Request(HttpMethod.Get, $"/v1/webhooks/{id}"));
        await AssertAnswersLikeAMissingId(asB, "PATCH A's webhook", w.AWebhookId,
            id => Request(HttpMethod.Patch, $"/v1/webhooks/{id}", new { url = "https://mallory.example/steal", eventTypes = new[] { "*" } }, 1));
        await AssertAnswersLikeAMissingId(asB, "DELETE A's webhook", w.AWebhookId, id => Request(HttpMethod.Delete, $"/v1/webhooks/{id}"));
        await AssertAnswersLikeAMissingId(asB, "replay A's webhook", w.AWebhookId,
            id => Request(HttpMethod.Post, $"/v1/webhooks/{id}/replay", new { fromPosition = 1 }));
        await AssertAnswersLikeAMissingId(asB, "A's webhook attempts", w.AWebhookId, id => Request(HttpMethod.Get, $"/v1/webhooks/{id}/attempts"));

        // A's queue: retiring it; B's own "cards" is another queue (codes are per tenant), and A's private code is unknown to B.
        await AssertAnswersLikeAMissingId(asB, "retire A's queue", w.AQueueId, id => Request(HttpMethod.Post, $"/v1/queues/{id}/retire"));
        await AssertAnswersLikeAMissingId(asB, "retire A's queue with If-Match", w.AQueueId,
            id => Request(HttpMethod.Post, $"/v1/queues/{id}/retire", ifMatch: 1));
        foreach (var (what, path) in new[]
                 {
                     ("list B's complaints in A's queue code", "/v1/complaints?queue={0}"),
                     ("due list of A's queue code", "/v1/complaints/due?queue={0}&unassigned=true"),
                 })
        {
            var foreign = await AnswerOf(await asB.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, "a-private")));
            var missing = await AnswerOf(await asB.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, "no-such-queue")));
            Assert.That(foreign.Status, Is.EqualTo(HttpStatusCode.BadRequest), $"{what}: {foreign.Raw}");
            Assert.That(foreign.Raw.Replace("a-private", "", StringComparison.Ordinal), Does.Not.Contain(w.AQueueId.ToString()), what);
            Assert.That(foreign.Code, Is.EqualTo(missing.Code), what);
            Assert.That(foreign.Body?["errors"]?.ToJsonString(), Is.EqualTo(missing.Body?["errors"]?.ToJsonString()), what);
        }

        var bMoved = await AnswerOf(await asB.SendAsync(Request(HttpMethod.Post, $"/v1/complaints/{w.BComplaint.Id}/queue",
            new { queue = "a-private" }, w.BComplaint.Version)));
        Assert.That(bMoved.Status, Is.EqualTo(HttpStatusCode.BadRequest), "B cannot move its complaint into A's queue: " + bMoved.Raw);
        var bFiled = await AnswerOf(await asB.SendAsync(Request(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = w.BConsumer.Id,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = "Filed into another tenant's queue.",
            queue = "a-private",
        })));
        Assert.That(bFiled.Status, Is.EqualTo(HttpStatusCode.BadRequest), "B cannot file into A's queue: " + bFiled.Raw);

        // Nested ids: A's consumer in B's new complaint, A's staff member as assignee of B's complaint.
        await AssertAnswersLikeAMissingId(asB, "POST complaint for A's consumer", w.AConsumer.Id, id => Request(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = id,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = "Filed against another tenant's consumer.",
        }));
        // A's complaint named as the duplicate to merge into B's complaint.
        await AssertAnswersLikeAMissingId(asB, "merge A's complaint into B's", w.AComplaint.Id,
            id => Request(HttpMethod.Post, $"/v1/complaints/{w.BComplaint.Id}/merge", new { duplicateId = id }, w.BComplaint.Version));
        foreach (var staffId in w.AStaffIds)
        {
            await AssertAnswersLikeAMissingId(asB, "assign B's complaint to A's staff", staffId,
                id => Request(HttpMethod.Post, $"/v1/complaints/{w.BComplaint.Id}/assign", new { assigneeId = id }, w.BComplaint.Version));
            await AssertAnswersLikeAMissingId(asB, "PUT A's staff roles", staffId,
                id => Request(HttpMethod.Put, $"/v1/staff/{id}/roles", new { roles = new[] { "agent" } }));
            await AssertAnswersLikeAMissingId(asB, "PUT A's staff roles with If-Match", staffId,
                id => Request(HttpMethod.Put, $"/v1/staff/{id}/roles", new { roles = new[] { "agent" } }, 1));
            await AssertAnswersLikeAMissingId(asB, "PUT A's staff queues", staffId,
                id => Request(HttpMethod.Put, $"/v1/staff/{id}/queues", new { queues = new[] { "cards" } }));
            await AssertAnswersLikeAMissingId(asB, "deactivate A's staff", staffId,
                id => Request(HttpMethod.Post, $"/v1/staff/{id}/deactivate"));
            await AssertAnswersLikeAMissingId(asB, "deactivate A's staff with If-Match", staffId,
                id => Request(HttpMethod.Post, $"/v1/staff/{id}/deactivate", ifMatch: 1));
        }

        // A's data, read by A, is byte for byte what it was; B's complaint was not assigned to anyone of A's.
        Assert.That(await ReadAsA(w), Is.EqualTo(before));
        var bComplaint = await Read<ComplaintDto>(await asB.GetAsync($"/v1/complaints/{w.BComplaint.Id}"));
        Assert.That(bComplaint.Version, Is.EqualTo(w.BComplaint.Version));
        Assert.That(bComplaint.AssigneeId, Is.Null);

        // And the probes were real: A's own agent still works with A's ids.
        await Expect(await w.AAgentClient.GetAsync($"/v1/complaints/{w.AComplaint.Id}"), HttpStatusCode.OK);
        await Expect(await w.AAgentClient.GetAsync($"/v1/consumers/{w.AConsumer.Id}"), HttpStatusCode.OK);
    }

    /// <summary>
    /// Generated from the service's own endpoint list, so a new route with an id cannot be forgotten: every route and verb
    /// with {id}, called by B with A's id (and A's real version in If-Match, a minimal body), answers exactly like the same
    /// call with a random id, and A's data is unchanged. The test above probes each route with realistic bodies.
    /// </summary>
    [Test]
    public async Task Every_route_with_an_id_in_the_endpoint_list_answers_A_ids_like_missing_ids()
    {
        var w = await SeedAsync();
        var before = await ReadAsA(w);
        var routes = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.Contains("{id}", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Route: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .ToList();
        Assert.That(routes, Has.Count.GreaterThanOrEqualTo(20), "the endpoint list was read");

        foreach (var (method, route) in routes)
        {
            var (foreignId, version) = route switch
            {
                _ when route.StartsWith("/v1/consumers/", StringComparison.Ordinal) => (w.AConsumer.Id, w.AConsumer.Version),
                _ when route.StartsWith("/v1/complaints/", StringComparison.Ordinal) => (w.AComplaint.Id, w.AComplaint.Version),
                _ when route.StartsWith("/v1/staff/", StringComparison.Ordinal) => (w.AStaffIds[^1], 1L),
                _ when route.StartsWith("/v1/webhooks/", StringComparison.Ordinal) => (w.AWebhookId, 1L),
                _ when route.StartsWith("/v1/queues/", StringComparison.Ordinal) => (w.AQueueId, 1L),
                _ => (w.A.Id, 1L),
            };
            var verb = new HttpMethod(method);
            await AssertAnswersLikeAMissingId(w.B.Admin, $"{method} {route}", foreignId,
                id => Request(verb, route.Replace("{id}", id.ToString(), StringComparison.Ordinal),
                    verb == HttpMethod.Get ? null : new { }, verb == HttpMethod.Get ? null : version),
                expected: null);
        }

        Assert.That(await ReadAsA(w), Is.EqualTo(before));
    }
}
