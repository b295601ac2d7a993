using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Complaints;
using Cms.Tests.Support;

namespace Cms.Tests.Performance;

/// <summary>
/// A filing, a transition (acknowledge) and a note in at most three round trips each on PostgreSQL in the common case
/// (issue 17, docs/adr/0011), counted on the wire:
/// the service talks to the server through <see cref="PostgresWireProxy"/>, which counts each extended-protocol flight
/// (one Sync, however many statements it carries) and each simple query of the filing's transaction. The three: the
/// caller with the reference stamp (with the connection reset, BEGIN and the settings), the consumer with their key, and
/// the writes with COMMIT. A transition or a note: the caller, the complaint (locked for a transition) with its deadlines,
/// responses and consumer key in one pipeline, the writes with COMMIT. The answer is built from what was written, so it
/// must equal a read of what was written.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class WriteRoundTripTests() : ApiTestBase(DatabaseKind.Postgres)
{
    private const int MaxFilingRoundTrips = 3;
    private const int MaxTransitionRoundTrips = 3;
    private const int MaxNoteRoundTrips = 3;

#pragma warning disable NUnit1032 // created in BeforeServiceStartsAsync, disposed in the one-time tear-down
    private PostgresWireProxy _proxy = null!;
#pragma warning restore NUnit1032

    protected override Task BeforeServiceStartsAsync()
    {
        _proxy = PostgresWireProxy.Start(Db.AppConnectionString, TimeSpan.FromMinutes(5));
        _proxy.CountRoundTrips(Marker("FileComplaint"));
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

    /// <summary>The application_name the service sets in a use case's transactions.</summary>
    private static string Marker(string useCase) => $"cms-api/{useCase}'";

    /// <summary>Runs <paramref name="act"/> counting the round trips of the use case's transactions: their sum (a request
    /// that runs more than one transaction of its use case pays for each).</summary>
    private async Task<int> RoundTripsOfAsync(string useCase, Func<Task> act)
    {
        var before = (await FilingsCountedAsync(0)).Count;
        _proxy.CountRoundTrips(Marker(useCase));
        try
        {
            await act();
            var trips = await FilingsCountedAsync(before + 1);
            Assert.That(trips, Has.Count.GreaterThan(before), $"the proxy saw the {useCase} transaction end");
            return trips.Skip(before).Sum();
        }
        finally
        {
            _proxy.CountRoundTrips(Marker("FileComplaint"));
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

    [Test]
    public async Task An_acknowledgement_takes_at_most_three_round_trips_and_answers_what_a_read_of_it_gives()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        string answer = "";
        var trips = await RoundTripsOfAsync("AcknowledgeComplaint", async () =>
        {
            using var response = await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version);
            answer = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer);
            Assert.That(response.Headers.ETag?.Tag, Is.EqualTo($"\"{complaint.Version + 1}\""), "the ETag of the version written");
        });
        Assert.That(trips, Is.LessThanOrEqualTo(MaxTransitionRoundTrips), "round trips of one acknowledgement");

        var acknowledged = JsonSerializer.Deserialize<ComplaintDto>(answer, Json)!;
        Assert.That(acknowledged.Status, Is.EqualTo(Cms.Domain.Complaints.ComplaintStatus.Acknowledged));
        var read = await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}");
        Assert.That(answer, Is.EqualTo(read), "the answer built from the write is what a read of the complaint gives");

        // The lock taken with the read keeps the version guard: a stale If-Match still changes nothing.
        using var stale = await TransitionAsync(tenant.Admin, complaint.Id, "start", complaint.Version);
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}"), Is.EqualTo(read));
    }

    [Test]
    public async Task A_note_takes_at_most_three_round_trips_and_answers_what_a_read_of_it_gives()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        string answer = "";
        var trips = await RoundTripsOfAsync("AddNote", async () =>
        {
            using var response = await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
                new { kind = "internal", body = "Called the branch about the duplicate charge." }, Json);
            answer = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), answer);
        });
        Assert.That(trips, Is.LessThanOrEqualTo(MaxNoteRoundTrips), "round trips of one note");

        var note = JsonSerializer.Deserialize<NoteDto>(answer, Json)!;
        using var list = JsonDocument.Parse(await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}/notes"));
        var listed = list.RootElement.GetProperty("items").EnumerateArray().Select(i => i.Deserialize<NoteDto>(Json)!).Single();
        // The answer carries the clock's instant; PostgreSQL keeps it to the microsecond.
        Assert.That(listed with { CreatedAt = note.CreatedAt }, Is.EqualTo(note), "the answer is the note as the list of notes reads it");
        Assert.That(listed.CreatedAt, Is.EqualTo(note.CreatedAt).Within(TimeSpan.FromTicks(10)));
        Assert.That(note.Body, Is.EqualTo("Called the branch about the duplicate charge."));
    }
}
