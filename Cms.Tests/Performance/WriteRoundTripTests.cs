using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Complaints;
using Cms.Tests.Support;

namespace Cms.Tests.Performance;

/// <summary>
/// A filing in at most three round trips on PostgreSQL in the common case (issue 17, docs/adr/0011), counted on the wire:
/// the service talks to the server through <see cref="PostgresWireProxy"/>, which counts each extended-protocol flight
/// (one Sync, however many statements it carries) and each simple query of the filing's transaction. The three: the
/// caller with the reference stamp (with the connection reset, BEGIN and the settings), the consumer with their key, and
/// the writes with COMMIT. The answer is built from what was written, so it must equal a read of the complaint.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class WriteRoundTripTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private const int MaxFilingRoundTrips = 3;

#pragma warning disable NUnit1032 // created in BeforeServiceStartsAsync, disposed in the one-time tear-down
    private PostgresWireProxy _proxy = null!;
#pragma warning restore NUnit1032

    protected override Task BeforeServiceStartsAsync()
    {
        _proxy = PostgresWireProxy.Start(Db.AppConnectionString, TimeSpan.FromMinutes(5));
        _proxy.CountRoundTrips("cms-api/FileComplaint'");
        return Task.CompletedTask;
    }

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Cms:Database:ConnectionString"] = _proxy.Through(Db.AppConnectionString),
    };

    [OneTimeTearDown]
    public async Task StopProxyAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }

    private async Task<IReadOnlyList<int>> FilingsCountedAsync(int atLeast)
    {
        // The proxy records a transaction when its last flight passes; the answer may reach the test a moment before.
        for (var attempt = 0; attempt < 100 && _proxy.RoundTrips.Count < atLeast; attempt++)
        {
            await Task.Delay(20);
        }

        return _proxy.RoundTrips;
    }

    [Test]
    public async Task A_filing_takes_at_most_three_round_trips_and_answers_what_a_read_of_it_gives()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id); // the first filing of a tenant reads its reference data into the cache
        var counted = (await FilingsCountedAsync(1)).Count;

        using var response = await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = "Charged twice for the same transfer.",
        }, Json);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), answer);

        var trips = await FilingsCountedAsync(counted + 1);
        Assert.That(trips, Has.Count.EqualTo(counted + 1), "the proxy saw the filing's transaction end");
        Assert.That(trips[^1], Is.LessThanOrEqualTo(MaxFilingRoundTrips), $"round trips of one filing: {string.Join(", ", trips)}");

        var filed = JsonSerializer.Deserialize<ComplaintDto>(answer, Json)!;
        var read = await tenant.Admin.GetStringAsync($"/v1/complaints/{filed.Id}");
        Assert.That(answer, Is.EqualTo(read), "the answer built from the write is what a read of the complaint gives");
    }
}
