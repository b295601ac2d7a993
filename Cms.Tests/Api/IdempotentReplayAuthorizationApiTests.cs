using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cms.Api.Http;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api;

/// <summary>
/// A replay of an Idempotency-Key passes the same authentication and authorization as a first request, for the caller as
/// they are now (issue 23): every route that accepts the key (read from the service's own endpoints, so a new one
/// cannot be left out) is called once with a key, then the caller loses the right (roles replaced by auditor;
/// deactivated; for the platform, a token without the platform scope) and repeats the same key and body: the answer is
/// the refusal a first request gets, never the stored answer.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class IdempotentReplayAuthorizationApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private sealed record Context(TestTenant Tenant, HttpClient Caller);

    /// <summary>A valid first request for each route that accepts Idempotency-Key (route pattern → request).</summary>
    private static readonly Dictionary<string, Func<Context, Task<(string Path, object Body, string? IfMatch)>>> Requests = new()
    {
        ["/v1/staff/"] = _ => Task.FromResult<(string, object, string?)>(("/v1/staff", new
        {
            subject = $"s-{Guid.NewGuid():N}", email = "new@example.test", displayName = "New", roles = new[] { "agent" }, kind = "user",
        }, null)),
        ["/v1/queues/"] = _ => Task.FromResult<(string, object, string?)>(("/v1/queues", new { code = $"q{Guid.NewGuid():N}"[..10], name = "Queue" }, null)),
        ["/v1/consumers/"] = _ => Task.FromResult<(string, object, string?)>(("/v1/consumers", Idempotent.Consumer($"EXT-{Guid.NewGuid():N}"), null)),
        ["/v1/complaints/"] = async c =>
            ("/v1/complaints", Idempotent.Complaint((await c.Tenant.RegisterConsumerAsync()).Id), null),
        ["/v1/complaints/{id}/notes"] = async c =>
        {
            var complaint = await c.Tenant.FileComplaintAsync((await c.Tenant.RegisterConsumerAsync()).Id);
            return ($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "A note." }, null);
        },
        ["/v1/complaints/{id}/responses"] = async c =>
        {
            var complaint = await c.Tenant.FileComplaintAsync((await c.Tenant.RegisterConsumerAsync()).Id);
            return ($"/v1/complaints/{complaint.Id}/responses", new { type = "holding_response", sentAt = complaint.ReceivedAt },
                $"\"{complaint.Version}\"");
        },
        ["/v1/legal-entities/"] = _ => Task.FromResult<(string, object, string?)>(("/v1/legal-entities", new
        {
            name = "Replay Cards Ltd", firmReferenceNumber = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            permissions = new[] { "insurance" },
        }, null)),
        ["/v1/taxonomies/{kind}/versions"] = _ => Task.FromResult<(string, object, string?)>(("/v1/taxonomies/root_cause/versions",
            new { entries = new[] { new { code = "cause", label = "A cause" } } }, null)),
        ["/v1/letter-templates/"] = _ => Task.FromResult<(string, object, string?)>(("/v1/letter-templates",
            new { type = "acknowledgement", name = "Acknowledgement", bodyText = "Dear {{ consumer.full_name }}" }, null)),
        ["/v1/complaints/{id}/letters/"] = async c =>
        {
            var complaint = await c.Tenant.FileComplaintAsync((await c.Tenant.RegisterConsumerAsync()).Id);
            var template = await Read<Cms.Application.Letters.LetterTemplateDto>(await Letters.LetterApiTests.PublishAsync(c.Tenant.Admin,
                "acknowledgement", "Dear {{ consumer.full_name }}"), HttpStatusCode.Created);
            return ($"/v1/complaints/{complaint.Id}/letters", new { type = "acknowledgement", templateId = template.Id }, null);
        },
        ["/v1/reports/fca-complaints-return/snapshots"] = async c =>
        {
            // A fresh entity and a period that has ended (a second snapshot of an unchanged period is refused).
            var entity = await Read<Cms.Application.LegalEntities.LegalEntityDto>(await c.Tenant.Admin.PostAsJsonAsync("/v1/legal-entities", new
            {
                name = "Replay Returns Ltd", firmReferenceNumber = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
                permissions = new[] { "insurance" },
            }, Json), HttpStatusCode.Created);
            return ("/v1/reports/fca-complaints-return/snapshots", new { legalEntityId = entity.Id, periodStart = "2026-01-01" }, null);
        },
    };

    [Test]
    public void Every_route_that_accepts_an_Idempotency_Key_is_covered()
    {
        var keyed = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IdempotencyEndpoints.IdempotencyKeyMetadata>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .ToList();
        Assert.That(keyed, Is.EquivalentTo(Requests.Keys.Append("/v1/tenants/")), "a keyed route without a replay case below");
    }

    [Test]
    public async Task A_replay_after_the_caller_lost_the_right_gets_the_refusal_of_a_first_request(
        [ValueSource(nameof(RouteKeys))] string route, [Values("roles replaced by auditor", "deactivated")] string loss)
    {
        var tenant = await CreateTenantAsync();
        var (staff, caller) = await tenant.AddStaffAsync(Role.TenantAdmin);
        var (path, body, ifMatch) = await Requests[route](new Context(tenant, caller));
        var key = Idempotent.NewKey();

        var first = await SendAsync(caller, path, body, ifMatch, key);
        Assert.That((int)first.StatusCode, Is.InRange(200, 299), await first.Content.ReadAsStringAsync());
        Assert.That((await SendAsync(caller, path, body, ifMatch, key)).StatusCode, Is.EqualTo(first.StatusCode), "control: the same caller replays");

        var lost = loss == "deactivated"
            ? await tenant.Admin.PostAsync($"/v1/staff/{staff.Id}/deactivate", null)
            : await tenant.Admin.PutAsJsonAsync($"/v1/staff/{staff.Id}/roles", new { roles = new[] { "auditor" } }, Json);
        await Expect(lost, HttpStatusCode.OK);

        var replay = await SendAsync(caller, path, body, ifMatch, key);
        var fresh = await SendAsync(caller, path, body, ifMatch, Idempotent.NewKey());
        var replayBody = await replay.Content.ReadAsStringAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), replayBody);
            Assert.That(replay.StatusCode, Is.EqualTo(fresh.StatusCode), "the refusal of a first request");
            Assert.That(JsonNode.Parse(replayBody)?["code"]?.ToString(), Is.EqualTo(JsonNode.Parse(await fresh.Content.ReadAsStringAsync())?["code"]?.ToString()));
            Assert.That(replayBody, Does.Not.Contain(JsonNode.Parse(await first.Content.ReadAsStringAsync())?["id"]?.ToString() ?? "no id"),
                "nothing of the stored answer");
        });
    }

    [Test]
    public async Task A_platform_replay_with_a_token_that_lost_the_platform_scope_is_refused_like_a_first_request()
    {
        var body = new
        {
            name = "Replay Bank", sector = "banking", jurisdiction = "UK",
            admin = new { subject = $"a-{Guid.NewGuid():N}", email = "a@example.test", displayName = "Admin" },
        };
        var key = Idempotent.NewKey();
        using var operatorClient = Factory.ClientWithToken(CmsApiFactory.PlatformToken("op-replay"));
        var first = await Idempotent.PostAsync(operatorClient, "/v1/tenants", body, key);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        // The same subject, now without the platform scope (a tenant token of the tenant it created).
        var created = await Read<Cms.Application.Tenants.TenantDto>(first, HttpStatusCode.Created);
        using var demoted = Factory.ClientWithToken(CmsApiFactory.TenantToken(created.Id, "op-replay"));
        var replay = await Idempotent.PostAsync(demoted, "/v1/tenants", body, key);
        var fresh = await Idempotent.PostAsync(demoted, "/v1/tenants", body, Idempotent.NewKey());
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await replay.Content.ReadAsStringAsync());
        Assert.That(replay.StatusCode, Is.EqualTo(fresh.StatusCode));
    }

    private static IEnumerable<string> RouteKeys() => Requests.Keys;

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, object body, string? ifMatch, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        request.Headers.TryAddWithoutValidation(Idempotent.Header, key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }
}
