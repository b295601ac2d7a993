using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cms.Application.Tenants;
using Cms.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace Cms.Tests.Api;

/// <summary>
/// The service against a real OpenID Connect provider (issue 22 item 1; <see cref="OidcProvider"/>, a separate process on
/// loopback), configured with nothing but <c>Cms:Auth:Authority</c> and <c>Cms:Auth:Audience</c> (and, so the tests need
/// not wait an hour, short metadata refresh and retry intervals): its client-credentials tokens, RS256 and ES256, are
/// accepted as the tenant's service accounts; signing keys added and removed at run time are followed without a
/// restart; tokens of another provider, for another audience, expired or unsigned are 401; and while the provider is
/// down the keys already known keep working and readiness says the provider is unreachable.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class OpenIdConnectApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    /// <summary>A read any service account may make; it reaches the database as the caller (tenant scope, staff row).</summary>
    private const string ProbePath = "/v1/consumers?externalRef=EXT-oidc-probe";

    private OidcProvider _provider = null!;

    protected override IReadOnlyDictionary<string, string> Settings => ProviderSettings(_provider);

    protected override async Task BeforeServiceStartsAsync() => _provider = await OidcProvider.SharedAsync();

    private static Dictionary<string, string> ProviderSettings(OidcProvider provider, string refresh = "00:00:01", string retry = "00:00:01") => new()
    {
        ["Cms:Auth:Authority"] = provider.Authority,
        ["Cms:Auth:Audience"] = OidcProvider.Audience,
        ["Cms:Auth:MetadataRefreshInterval"] = refresh,
        ["Cms:Auth:MetadataRetryInterval"] = retry,
    };

    [TestCase("RS256")]
    [TestCase("ES256")]
    public async Task A_providers_token_is_accepted_as_the_tenants_service_account(string alg)
    {
        var account = await ServiceAccountAsync(Factory, _provider, alg);
        var token = await _provider.TokenAsync(account.Subject);
        Assert.That(Header(token).GetProperty("alg").GetString(), Is.EqualTo(alg));

        using var client = Factory.ClientWithToken(token);
        await Expect(await client.PostAsJsonAsync("/v1/consumers", new
        {
            externalRef = $"EXT-{Guid.NewGuid():N}", fullName = "Jane Consumer", email = "jane@example.test",
        }, Json), HttpStatusCode.Created);

        // The tenant comes from the token and the caller from its staff row: the same provider's token for a subject the
        // tenant does not have as staff authenticates, and is refused.
        var stranger = $"svc-stranger-{Guid.NewGuid():N}";
        await _provider.RegisterClientAsync(stranger, account.TenantId, alg: alg);
        using var strangerClient = Factory.ClientWithToken(await _provider.TokenAsync(stranger));
        await Expect(await strangerClient.GetAsync(ProbePath), HttpStatusCode.Forbidden);
    }

    [TestCase("RS256")]
    [TestCase("ES256")]
    public async Task A_signing_key_added_after_start_up_is_accepted_on_its_first_use(string alg)
    {
        // A service instance of its own whose scheduled refresh is an hour away: only the fetch for an unknown key id can
        // find the new key, and it must do so before the first request with it is validated.
        await using var service = new CmsApiFactory(Db, ProviderSettings(_provider, refresh: "01:00:00", retry: "00:00:30"));
        var account = await ServiceAccountAsync(service, _provider, alg);
        using (var before = service.ClientWithToken(await _provider.TokenAsync(account.Subject)))
        {
            await Expect(await before.GetAsync(ProbePath), HttpStatusCode.OK);
        }

        var kid = await _provider.AddKeyAsync(alg);
        try
        {
            var token = await _provider.TokenAsync(account.Subject);
            Assert.That(Header(token).GetProperty("kid").GetString(), Is.EqualTo(kid), "the new key signs");
            using var client = service.ClientWithToken(token);
            await Expect(await client.GetAsync(ProbePath), HttpStatusCode.OK);

            // Unknown key ids cannot make the instance hammer the provider: within the retry interval (30 s here) after
            // that fetch, a burst of tokens naming key ids nobody published is refused without fetching the JWKS again.
            var fetched = await _provider.JwksFetchesAsync();
            var parts = token.Split('.');
            var forged = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                using var forger = service.ClientWithToken(
                    $"{Base64UrlEncoder.Encode($$"""{"alg":"{{alg}}","typ":"at+jwt","kid":"forged-{{i}}"}""")}.{parts[1]}.{parts[2]}");
                return (await forger.GetAsync(ProbePath)).StatusCode;
            }));
            Assert.That(forged, Is.All.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await _provider.JwksFetchesAsync(), Is.EqualTo(fetched), "no JWKS fetch for the forged key ids");
        }
        finally
        {
            await _provider.RemoveKeyAsync(kid);
        }
    }

    [Test]
    public async Task A_signing_key_removed_from_the_provider_is_refused_once_the_metadata_is_refreshed()
    {
        var account = await ServiceAccountAsync(Factory, _provider, "RS256");
        var kid = await _provider.AddKeyAsync("RS256");
        string token;
        try
        {
            token = await _provider.TokenAsync(account.Subject);
            Assert.That(Header(token).GetProperty("kid").GetString(), Is.EqualTo(kid));
            using var client = Factory.ClientWithToken(token);
            await Expect(await client.GetAsync(ProbePath), HttpStatusCode.OK); // validated, and so remembered by the instance
        }
        finally
        {
            await _provider.RemoveKeyAsync(kid);
        }

        // Refused within the refresh interval (1 s here), though the instance had validated this very token before.
        using var withdrawn = Factory.ClientWithToken(token);
        await EventuallyAsync(async () => (await withdrawn.GetAsync(ProbePath)).StatusCode == HttpStatusCode.Unauthorized,
            "a token signed with the removed key is refused");
        using var current = Factory.ClientWithToken(await _provider.TokenAsync(account.Subject));
        await Expect(await current.GetAsync(ProbePath), HttpStatusCode.OK); // the key still published signs again
    }

    [Test]
    public async Task Tokens_of_another_provider_or_audience_expired_or_unsigned_are_401()
    {
        var account = await ServiceAccountAsync(Factory, _provider, "RS256");
        var good = await _provider.TokenAsync(account.Subject);
        await ExpectStatusAsync(good, HttpStatusCode.OK); // the control: the same subject's proper token

        await ExpectStatusAsync(await _provider.TokenAsync(account.Subject, audience: "api://another-service"), HttpStatusCode.Unauthorized);

        await using (var other = await OidcProvider.StartAsync())
        {
            await other.RegisterClientAsync(account.Subject, account.TenantId);
            await ExpectStatusAsync(await other.TokenAsync(account.Subject), HttpStatusCode.Unauthorized);
        }

        // alg none: the good token's claims, unsigned (and the same with its kid, which the instance knows).
        var parts = good.Split('.');
        await ExpectStatusAsync($"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""")}.{parts[1]}.", HttpStatusCode.Unauthorized);
        var kid = Header(good).GetProperty("kid").GetString();
        await ExpectStatusAsync($"{Base64UrlEncoder.Encode($$"""{"alg":"none","kid":"{{kid}}"}""")}.{parts[1]}.", HttpStatusCode.Unauthorized);

        // A locally signed token (the HS256 kind the tests use elsewhere) is no token of this service's provider.
        await ExpectStatusAsync(CmsApiFactory.TenantToken(account.TenantId, account.Subject), HttpStatusCode.Unauthorized);

        // Expired: the provider issues it as if an hour ago (its lifetime is ten minutes).
        await _provider.RegisterClientAsync(account.Subject, account.TenantId, issuedSecondsAgo: 3600);
        var expired = await _provider.TokenAsync(account.Subject);
        Assert.That(Payload(expired).GetProperty("exp").GetInt64(), Is.LessThan(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60));
        await ExpectStatusAsync(expired, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task While_the_provider_is_down_known_keys_keep_working_and_readiness_says_it_is_unreachable()
    {
        var provider = await OidcProvider.StartAsync();
        try
        {
            await using var service = new CmsApiFactory(Db, ProviderSettings(provider));
            var anonymous = service.CreateClient();
            var account = await ServiceAccountAsync(service, provider, "ES256");
            var used = await provider.TokenAsync(account.Subject);
            var unused = await provider.TokenAsync(account.Subject);
            using var usedClient = service.ClientWithToken(used);
            await Expect(await usedClient.GetAsync(ProbePath), HttpStatusCode.OK);
            Assert.That(await ReadinessAsync(anonymous), Is.EqualTo((HttpStatusCode.OK, "Healthy")));

            await provider.DisposeAsync(); // the provider's process ends
            await Expect(await usedClient.GetAsync(ProbePath), HttpStatusCode.OK);
            using var unusedClient = service.ClientWithToken(unused);
            await Expect(await unusedClient.GetAsync(ProbePath), HttpStatusCode.OK); // validated now, with the key known

            // A token naming a key the instance never saw: the fetch fails, the token is refused, nothing breaks.
            var parts = unused.Split('.');
            using var unknownKey = service.ClientWithToken(
                $"{Base64UrlEncoder.Encode("""{"alg":"ES256","typ":"at+jwt","kid":"es256-never-published"}""")}.{parts[1]}.{parts[2]}");
            await Expect(await unknownKey.GetAsync(ProbePath), HttpStatusCode.Unauthorized);

            await EventuallyAsync(async () => (await ReadinessAsync(anonymous)).Status == "Degraded", "readiness notices the provider is down");
            var ready = await anonymous.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "still in service: the keys known still validate tokens");
            Assert.That(body, Does.Contain("is unreachable").And.Contain(provider.Authority).And.Contain("still accepted"), body);
            await Expect(await usedClient.GetAsync(ProbePath), HttpStatusCode.OK);

            // An instance that starts while the provider is down knows no key: not ready, and a token is a 401, not an error.
            await using var cold = new CmsApiFactory(Db, ProviderSettings(provider));
            Assert.That(await ReadinessAsync(cold.CreateClient()), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "Unhealthy")));
            using var coldClient = cold.ClientWithToken(unused);
            await Expect(await coldClient.GetAsync(ProbePath), HttpStatusCode.Unauthorized);
        }
        finally
        {
            await provider.DisposeAsync();
        }
    }

    [TestCase("https://cms.example/tenant_id", "")]
    [TestCase("roles", "cms.tenant.")]
    public async Task The_tenant_may_come_in_a_configured_claim_and_the_platform_permission_as_an_application_role(string tenantClaim, string prefix)
    {
        // As Auth0 (a namespaced claim) and Entra ID (application roles in `roles`) can issue them.
        var settings = ProviderSettings(_provider);
        settings["Cms:Auth:TenantClaim"] = tenantClaim;
        settings["Cms:Auth:TenantValuePrefix"] = prefix;
        await using var service = new CmsApiFactory(Db, settings);

        var operatorId = $"platform-{Guid.NewGuid():N}";
        await _provider.RegisterClientAsync(operatorId, tenantId: null, claims: new Dictionary<string, object> { ["roles"] = new[] { "cms.platform" } });
        using var platform = service.ClientWithToken(await _provider.TokenAsync(operatorId));
        var admin = $"admin-{Guid.NewGuid():N}";
        var tenant = await Read<TenantDto>(await platform.PostAsJsonAsync("/v1/tenants", new
        {
            name = "Acme Bank", sector = "banking", jurisdiction = "UK",
            admin = new { subject = admin, email = $"{admin}@example.test", displayName = "Tenant Admin" },
        }, Json), HttpStatusCode.Created);

        // The tenant admin's token: the tenant only in the configured claim, a tenant_id naming another tenant, which is
        // ignored (were it read, the admin would be unknown there and refused), and the platform role.
        Dictionary<string, object> Claims(params Guid[] tenants)
        {
            var claims = new Dictionary<string, object> { ["tenant_id"] = Guid.NewGuid().ToString() };
            var values = tenants.Select(t => prefix + t).ToArray();
            claims["roles"] = tenantClaim == "roles" ? [.. values, "cms.platform"] : new[] { "cms.platform" };
            if (tenantClaim != "roles")
            {
                claims[tenantClaim] = values.Length == 1 ? values[0] : values;
            }

            return claims;
        }

        await _provider.RegisterClientAsync(admin, tenantId: null, claims: Claims(tenant.Id));
        using var adminClient = service.ClientWithToken(await _provider.TokenAsync(admin));
        await Expect(await adminClient.GetAsync("/v1/staff"), HttpStatusCode.OK);

        // With a tenant the caller is that tenant's principal: the platform role makes it no platform operator.
        await Expect(await adminClient.GetAsync("/v1/tenants"), HttpStatusCode.Forbidden);

        // A token naming two tenants is refused.
        await _provider.RegisterClientAsync(admin, tenantId: null, claims: Claims(tenant.Id, Guid.NewGuid()));
        using var ambiguous = service.ClientWithToken(await _provider.TokenAsync(admin));
        await Expect(await ambiguous.GetAsync("/v1/staff"), HttpStatusCode.Unauthorized);
    }

    private async Task ExpectStatusAsync(string token, HttpStatusCode status)
    {
        using var client = Factory.ClientWithToken(token);
        await Expect(await client.GetAsync(ProbePath), status);
    }

    /// <summary>The readiness answer's status code and the identity provider check's status.</summary>
    private static async Task<(HttpStatusCode Code, string? Status)> ReadinessAsync(HttpClient anonymous)
    {
        using var answer = await anonymous.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (answer.StatusCode, body.RootElement.GetProperty("checks").GetProperty("identity_provider").GetProperty("status").GetString());
    }

    private sealed record Account(Guid TenantId, string Subject);

    /// <summary>
    /// A tenant and a service account of it, every step with the provider's tokens: the platform operator (a client with
    /// the cms.platform scope and no tenant) creates the tenant, its first admin (a client with the tenant's id) adds the
    /// service account, which the provider then knows as a client signed with <paramref name="alg"/>.
    /// </summary>
    private static async Task<Account> ServiceAccountAsync(CmsApiFactory service, OidcProvider provider, string alg)
    {
        var operatorId = $"platform-{Guid.NewGuid():N}";
        await provider.RegisterClientAsync(operatorId, tenantId: null, scope: "cms.platform");
        using var platform = service.ClientWithToken(await provider.TokenAsync(operatorId, scope: "cms.platform"));
        var admin = $"admin-{Guid.NewGuid():N}";
        var tenant = await Read<TenantDto>(await platform.PostAsJsonAsync("/v1/tenants", new
        {
            name = "Acme Bank", sector = "banking", jurisdiction = "UK",
            admin = new { subject = admin, email = $"{admin}@example.test", displayName = "Tenant Admin" },
        }, Json), HttpStatusCode.Created);

        await provider.RegisterClientAsync(admin, tenant.Id);
        using var adminClient = service.ClientWithToken(await provider.TokenAsync(admin));
        var subject = $"svc-{Guid.NewGuid():N}";
        await Expect(await adminClient.PostAsJsonAsync("/v1/staff", new
        {
            subject, email = $"{subject}@example.test", displayName = "Complaint intake", roles = new[] { "integration" }, kind = "service_account",
        }, Json), HttpStatusCode.Created);
        await provider.RegisterClientAsync(subject, tenant.Id, alg: alg);
        return new Account(tenant.Id, subject);
    }

    private static JsonElement Header(string token) => Decode(token.Split('.')[0]);

    private static JsonElement Payload(string token) => Decode(token.Split('.')[1]);

    private static JsonElement Decode(string part) => JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(part))).RootElement.Clone();

    /// <summary>Polls a condition (bounded): the instance follows the provider within its refresh interval, not at once.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Not within 20 s: {what}.");
            }

            await Task.Delay(100);
        }
    }
}
