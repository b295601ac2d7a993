using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace Cms.Tests.Api;

/// <summary>
/// What a hostile caller found (issue 23), each finding reproduced through the HTTP API on both databases: an empty bulk
/// import, NUL characters and extreme dates in fields, query parameters and the token's subject, and tokens with
/// non-numeric or far-future time claims, too long a lifetime or too large a size. (The replay of an Idempotency-Key after
/// the caller lost the right: <see cref="IdempotentReplayAuthorizationApiTests"/>; every operation of the document:
/// <see cref="EveryOperationHostileInputTests"/>.)
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class HostileCallerApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static readonly string[] ImportBodies = ["", "\n", "externalRef,fullName\n"];

    [TestCase(Role.Supervisor)]
    [TestCase(Role.Agent)]
    [TestCase(Role.Auditor)]
    [TestCase(Role.Integration)]
    public async Task An_empty_import_is_refused_to_every_role_but_tenant_admin(Role role)
    {
        var tenant = await CreateTenantAsync();
        var (_, caller) = await tenant.AddStaffAsync(role);
        foreach (var (body, mediaType) in ImportBodies.Select(b => (b, b.Contains(',', StringComparison.Ordinal) ? "text/csv" : "application/x-ndjson"))
                     .Append(("", "text/csv")))
        {
            var response = await caller.PostAsync("/v1/consumers/imports", new StringContent(body, Encoding.UTF8, mediaType));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{mediaType} body '{body.Replace("\n", "\\n", StringComparison.Ordinal)}'");
        }

        var admin = await tenant.Admin.PostAsync("/v1/consumers/imports", new StringContent("externalRef,fullName\n", Encoding.UTF8, "text/csv"));
        Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: a tenant admin may import an empty file");
    }

    [Test]
    public async Task A_NUL_character_in_a_body_field_or_a_query_parameter_is_a_400_naming_it_and_writes_nothing()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var before = await RowsAsync();

        await ExpectInvalidAsync(await Platform.PostAsJsonAsync("/v1/tenants", new
        {
            name = "Evil\u0000Bank", sector = "banking", jurisdiction = "UK",
            admin = new { subject = "evil-admin", email = "evil@example.test", displayName = "Evil" },
        }, Json), "name");
        await ExpectInvalidAsync(await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "current\u0000account", category = "fees", description = "ok",
        }, Json), "product");
        await ExpectInvalidAsync(await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "one\u0000two",
        }, Json), "description");
        await ExpectInvalidAsync(await tenant.Admin.GetAsync("/v1/complaints?category=fe%00es"), "category");
        await ExpectInvalidAsync(await Platform.GetAsync("/v1/tenants?name=Acme%00Bank"), "name");

        Assert.That(await RowsAsync(), Is.EqualTo(before), "nothing written");
    }

    [Test]
    public async Task Dates_outside_what_the_product_computes_are_a_400_naming_the_field()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var before = await RowsAsync();

        await ExpectInvalidAsync(await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "ok",
            receivedAt = "9999-12-31T00:00:00Z",
        }, Json), "receivedAt");
        await ExpectInvalidAsync(await tenant.Admin.GetAsync("/v1/reports/complaints?from=0001-01-01&to=2026-12-01"), "from");
        await ExpectInvalidAsync(await tenant.Admin.GetAsync("/v1/reports/complaints?from=2026-01-01&to=9999-12-31"), "to");

        Assert.That(await RowsAsync(), Is.EqualTo(before), "nothing written");
    }

    [Test]
    public async Task A_token_whose_subject_holds_a_NUL_character_is_a_401()
    {
        var tenant = await CreateTenantAsync();
        using var client = Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, "admin\u0000x"));
        Assert.That((await client.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var platform = Factory.ClientWithToken(CmsApiFactory.PlatformToken("operator\u0000x"));
        Assert.That((await platform.GetAsync("/v1/tenants")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private static IEnumerable<TestCaseData> BadTimeClaims()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        yield return new TestCaseData(JsonValue.Create((now + 600).ToString(System.Globalization.CultureInfo.InvariantCulture)), null)
            .SetArgDisplayNames("exp as a JSON string");
        yield return new TestCaseData(JsonValue.Create(253_402_300_800L), null).SetArgDisplayNames("exp after the year 9999");
        yield return new TestCaseData(JsonValue.Create(now + (40L * 24 * 3600)), null).SetArgDisplayNames("exp 40 days ahead (over the lifetime cap)");
        yield return new TestCaseData(JsonValue.Create(now + 600), JsonValue.Create("0")).SetArgDisplayNames("iat as a JSON string");
    }

    [TestCaseSource(nameof(BadTimeClaims))]
    public async Task A_token_with_a_time_claim_that_is_no_NumericDate_or_too_far_ahead_is_a_401(JsonNode exp, JsonNode? iat)
    {
        var tenant = await CreateTenantAsync();
        var admin = tenant.Admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var subject = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(admin).Subject;
        var payload = new JsonObject
        {
            ["sub"] = subject, ["tenant_id"] = tenant.Id.ToString(), ["iss"] = CmsApiFactory.Auth.Issuer,
            ["aud"] = CmsApiFactory.Auth.Audience, ["exp"] = exp.DeepClone(),
        };
        if (iat is not null)
        {
            payload["iat"] = iat.DeepClone();
        }

        using var client = Factory.ClientWithToken(Sign(payload));
        Assert.That((await client.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        payload["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        payload.Remove("iat");
        using var control = Factory.ClientWithToken(Sign(payload));
        Assert.That((await control.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: the same token, well formed");
    }

    [Test]
    public async Task A_token_larger_than_the_cap_is_a_401()
    {
        var tenant = await CreateTenantAsync();
        var admin = tenant.Admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var subject = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(admin).Subject;
        var payload = new JsonObject
        {
            ["sub"] = subject, ["tenant_id"] = tenant.Id.ToString(), ["iss"] = CmsApiFactory.Auth.Issuer,
            ["aud"] = CmsApiFactory.Auth.Audience, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds(),
            ["padding"] = new string('p', 16 * 1024),
        };

        using var client = Factory.ClientWithToken(Sign(payload));
        Assert.That((await client.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    /// <summary>An HS256 token over exactly this payload, signed with the tests' key (so only the claims are wrong).</summary>
    private static string Sign(JsonObject payload)
    {
        static string Encode(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
        var header = Encode("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray());
        var body = Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        using var hmac = new System.Security.Cryptography.HMACSHA256(CmsApiFactory.Auth.SigningKeyBytes());
        var signature = Encode(hmac.ComputeHash(Encoding.ASCII.GetBytes($"{header}.{body}")));
        return $"{header}.{body}.{signature}";
    }

    private static async Task ExpectInvalidAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(JsonNode.Parse(body)?["errors"]?.AsObject().Select(e => e.Key), Does.Contain(field), body);
    }

    /// <summary>The rows a refused request could have written (not the audit trail and feed, which background sealing touches).</summary>
    private Task<long> RowsAsync() => Idempotent.CountAsync(Db,
        "SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM staff_users) + (SELECT count(*) FROM consumers) + " +
        "(SELECT count(*) FROM complaints) + (SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM platform_idempotency_keys)");
}
