using System.Net;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>One tenant's burst is refused with 429 and Retry-After while another tenant is still served.</summary>
[TestFixture(DatabaseKind.Sqlite)]
public sealed class RateLimitApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const int Burst = 5;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:RateLimit:PermitsPerSecond"] = "1",
        ["Cms:RateLimit:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Test]
    public async Task A_tenants_burst_is_limited_without_starving_another_tenant()
    {
        var noisy = await CreateTenantAsync("Noisy Telecom", "telecom", "UK");
        var quiet = await CreateTenantAsync("Quiet Bank");

        var responses = await Task.WhenAll(Enumerable.Range(0, 3 * Burst).Select(_ => noisy.Admin.GetAsync("/v1/staff")));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var quietAnswer = await quiet.Admin.GetAsync("/v1/staff");

        Assert.That(refused, Has.Count.GreaterThanOrEqualTo(Burst), "most of the burst beyond the bucket is refused");
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.InRange(Burst, Burst + 3));
        Assert.That(refused[0].Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(refused[0].Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(quietAnswer.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another tenant has its own bucket");
    }
}
