using System.Net;
using System.Security.Claims;
using Cms.Api.Auth;
using Cms.Domain.Staff;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// The cache of validated bearer tokens: an entry never outlives its token's expiry or five minutes, only the exact
/// token text finds it, each request gets its own copy of the principal, and the API still refuses what it refused.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal Principal(string subject) =>
        new(new ClaimsIdentity([new Claim(CmsClaims.Subject, subject)], "Bearer"));

    [Test]
    public void An_entry_ends_when_its_token_expires()
    {
        var clock = new SettableTimeProvider(Start);
        var cache = new ValidatedTokenCache(clock);
        cache.Add("token-a", Principal("a"), Start.AddSeconds(90).UtcDateTime);

        Assert.That(cache.Find("token-a")?.FindFirst(CmsClaims.Subject)?.Value, Is.EqualTo("a"));
        clock.Advance(TimeSpan.FromSeconds(89));
        Assert.That(cache.Find("token-a"), Is.Not.Null, "a second before expiry");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.Find("token-a"), Is.Null, "at expiry the token is validated afresh (and the handler refuses it)");
        Assert.That(cache.Count, Is.Zero, "the expired entry is dropped");
    }

    [Test]
    public void An_entry_lasts_at_most_five_minutes_even_for_a_long_lived_token()
    {
        var clock = new SettableTimeProvider(Start);
        var cache = new ValidatedTokenCache(clock);
        cache.Add("token-b", Principal("b"), Start.AddHours(8).UtcDateTime);

        clock.Advance(ValidatedTokenCache.MaxAge - TimeSpan.FromSeconds(1));
        Assert.That(cache.Find("token-b"), Is.Not.Null);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.Find("token-b"), Is.Null);
    }

    [Test]
    public void Only_the_exact_token_text_finds_an_entry_and_nothing_expired_or_without_expiry_is_stored()
    {
        var clock = new SettableTimeProvider(Start);
        var cache = new ValidatedTokenCache(clock);
        cache.Add("header.payload.signature", Principal("c"), Start.AddHours(1).UtcDateTime);
        cache.Add("expired", Principal("d"), Start.AddSeconds(-1).UtcDateTime);
        cache.Add("no-expiry", Principal("e"), DateTime.MinValue);

        Assert.That(cache.Find("header.payload.signaturE"), Is.Null);
        Assert.That(cache.Find("HEADER.payload.signature"), Is.Null);
        Assert.That(cache.Find("header.payload.signature "), Is.Null);
        Assert.That(cache.Find("expired"), Is.Null);
        Assert.That(cache.Find("no-expiry"), Is.Null);
        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [Test]
    public void Each_hit_is_a_copy_so_a_request_cannot_change_the_next_ones_principal()
    {
        var cache = new ValidatedTokenCache(new SettableTimeProvider(Start));
        var original = Principal("f");
        cache.Add("token-f", original, Start.AddHours(1).UtcDateTime);
        ((ClaimsIdentity)original.Identity!).AddClaim(new Claim(CmsClaims.TenantId, Guid.NewGuid().ToString()));

        var first = cache.Find("token-f")!;
        ((ClaimsIdentity)first.Identity!).AddClaim(new Claim(CmsClaims.Scope, CmsClaims.PlatformScope));
        var second = cache.Find("token-f")!;

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second.FindFirst(CmsClaims.Scope), Is.Null, "a change to one request's principal");
        Assert.That(second.FindFirst(CmsClaims.TenantId), Is.Null, "a change to the validated principal after it was stored");
    }

    [Test]
    public void When_full_it_stops_storing_rather_than_growing()
    {
        var clock = new SettableTimeProvider(Start);
        var cache = new ValidatedTokenCache(clock);
        for (var i = 0; i < ValidatedTokenCache.Capacity; i++)
        {
            cache.Add($"t{i}", Principal("g"), Start.AddSeconds(30).UtcDateTime);
        }

        cache.Add("one-more", Principal("h"), Start.AddHours(1).UtcDateTime);
        Assert.That(cache.Count, Is.EqualTo(ValidatedTokenCache.Capacity));
        Assert.That(cache.Find("one-more"), Is.Null);

        clock.Advance(TimeSpan.FromSeconds(30)); // the others have expired: they are swept to make room
        cache.Add("one-more", Principal("h"), Start.AddHours(1).UtcDateTime);
        Assert.That(cache.Find("one-more"), Is.Not.Null);
        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [TestCase("Bearer abc.def.ghi", "abc.def.ghi")]
    [TestCase("bearer  abc.def.ghi ", "abc.def.ghi")]
    [TestCase("Basic dXNlcjpwYXNz", null)]
    [TestCase("Bearer ", null)]
    [TestCase("", null)]
    public void The_token_is_read_from_the_header_as_the_handler_reads_it(string header, string? token) =>
        Assert.That(ValidatedTokenCache.BearerToken(new StringValues(header)), Is.EqualTo(token));

    [Test]
    public void Two_authorization_headers_are_left_to_the_handler() =>
        Assert.That(ValidatedTokenCache.BearerToken(new StringValues(["Bearer a", "Bearer b"])), Is.Null);
}

/// <summary>Through the API: a remembered token still passes only for itself, and who may act is still read from the database.</summary>
[TestFixture(DatabaseKind.Sqlite)]
public sealed class ValidatedTokenCacheApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task A_remembered_token_passes_a_tampered_copy_does_not_and_a_deactivation_takes_effect_at_once()
    {
        var tenant = await CreateTenantAsync();
        var (agent, agentClient) = await tenant.AddStaffAsync(Role.Agent);
        var cache = Factory.Services.GetRequiredService<ValidatedTokenCache>();

        await Expect(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.OK);
        var token = agentClient.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.That(cache.Find(token), Is.Not.Null, "validated once, remembered");
        await Expect(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.OK);

        // The same header and payload with a different signature: validated afresh, and refused.
        var lastChar = token[^2] == 'A' ? 'B' : 'A';
        var tampered = token[..^2] + lastChar + token[^1];
        using (var client = Factory.ClientWithToken(tampered))
        {
            await AssertProblemAsync(await client.GetAsync("/v1/complaints"), HttpStatusCode.Unauthorized);
        }

        Assert.That(cache.Find(tampered), Is.Null);

        // Who may act is read per request: deactivating the agent refuses the remembered token's next call.
        await Expect(await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/staff/{agent.Id}/deactivate", ifMatch: agent.Version),
            HttpStatusCode.OK);
        Assert.That(cache.Find(token), Is.Not.Null, "still remembered");
        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.Forbidden);
    }
}
