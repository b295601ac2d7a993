using Cms.Tests.Api;
using static Cms.Tests.Api.PermissionMatrixApiTests;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    /// <summary>Every write route of the API (the permission matrix's rows whose method writes).</summary>
    public static IEnumerable<Row> WriteRows => Rows.Where(r => !r.Route.StartsWith("GET ", StringComparison.Ordinal));

    /// <summary>
    /// Every write route, with the tenant's reference data in the cache (the same request has run once before): the round
    /// trips of its use case's transactions, measured as the caller the matrix allows first (the tenant admin for most).
    /// </summary>
    [TestCaseSource(nameof(WriteRows))]
    public async Task Every_write_route_is_measured(Row row)
    {
        var world = await World.CreateAsync(await CreateTenantAsync(), Platform);
        var caller = Enum.GetValues<Caller>().First(c => PermissionMatrixApiTests.Allowed(row.UseCase, c));
        var client = world.Clients[caller];
        using (var warm = await row.Build(world))
        {
            using var response = await client.SendAsync(warm);
            Assert.That(response.StatusCode, Is.EqualTo(row.Success), await response.Content.ReadAsStringAsync());
        }

        using var request = await row.Build(world);
        var trips = await RoundTripsOfAsync(row.UseCase.ToString(), async () =>
        {
            using var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(row.Success), await response.Content.ReadAsStringAsync());
        });
        await TestContext.Out.WriteLineAsync($"ROUNDTRIPS\t{row.Route}\t{row.UseCase}\t{trips}");
        Assert.That(trips, Is.GreaterThan(0));
    }
}
