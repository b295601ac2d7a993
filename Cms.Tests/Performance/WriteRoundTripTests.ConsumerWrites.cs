using System.Net;
using System.Net.Http.Json;
using Cms.Application.Consumers;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Performance;

public sealed partial class WriteRoundTripTests
{
    private const int MaxRegistrationRoundTrips = 3;
    private const int MaxUpdateRoundTrips = 3;

    /// <summary>The consumer write most used by integrators' upstream systems: the caller, the external reference's check,
    /// the writes with COMMIT; the answer is built from what was written and equals a read of it.</summary>
    [Test]
    public async Task A_consumer_registration_takes_at_most_three_round_trips_and_answers_what_a_read_gives()
    {
        var tenant = await CreateTenantAsync();
        await tenant.RegisterConsumerAsync(); // the tenant's first consumer creates its key,
        await tenant.RegisterConsumerAsync(); // the next one reads it into the service's cache (once committed)

        var answer = "";
        var trips = await RoundTripsOfAsync("RegisterConsumer", async () =>
        {
            using var response = await tenant.Admin.PostAsJsonAsync("/v1/consumers", new
            {
                externalRef = $"  EXT-{Guid.NewGuid():N}  ",
                fullName = "Jane Consumer",
                email = "jane.consumer@example.test",
                phone = "+44 20 7946 0000",
                address = new { lines = new[] { "1 High Street" }, city = "London", postcode = "SW1A 1AA", country = "GB" },
                dateOfBirth = "1980-02-29",
                vulnerability = new { drivers = new[] { "life_event", "health" }, consentRecorded = true },
            }, Json);
            answer = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), answer);
        });

        var registered = System.Text.Json.JsonSerializer.Deserialize<ConsumerDto>(answer, Json)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(trips, Is.LessThanOrEqualTo(MaxRegistrationRoundTrips), "round trips of one registration");
            Assert.That(answer, Is.EqualTo(await tenant.Admin.GetStringAsync($"/v1/consumers/{registered.Id}")), "the answer is what a read gives");
        }

        // A duplicate external reference still fails as a conflict, now at COMMIT or at the check.
        using var duplicate = await tenant.Admin.PostAsJsonAsync("/v1/consumers",
            new { externalRef = registered.ExternalRef, fullName = "Someone Else" }, Json);
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task A_consumer_update_takes_at_most_three_round_trips_answers_what_a_read_gives_and_a_stale_one_changes_nothing()
    {
        var tenant = await CreateTenantAsync();
        await tenant.RegisterConsumerAsync(); // the tenant's key, created and then cached
        var consumer = await tenant.RegisterConsumerAsync();

        var answer = "";
        var trips = await RoundTripsOfAsync("UpdateConsumer", async () =>
        {
            using var response = await tenant.Admin.SendAsync(Json(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}", new
            {
                phone = "+44 20 7946 0999",
                vulnerability = new { drivers = new[] { "capability" }, consentRecorded = true },
            }, consumer.Version));
            answer = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer);
        });
        Assert.That(trips, Is.LessThanOrEqualTo(MaxUpdateRoundTrips), "round trips of one consumer update: the caller, the row locked with its key, the writes with COMMIT");

        var read = await tenant.Admin.GetStringAsync($"/v1/consumers/{consumer.Id}");
        Assert.That(answer, Is.EqualTo(read), "the answer is what a read gives");
        using var stale = await tenant.Admin.SendAsync(Json(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}", new { phone = "+44 20 7946 0111" }, consumer.Version));
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(await tenant.Admin.GetStringAsync($"/v1/consumers/{consumer.Id}"), Is.EqualTo(read));
    }
}
