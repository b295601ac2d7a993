using System.Net;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Tests.Api;
using Cms.Tests.Support;

namespace Cms.Tests.Privacy;

/// <summary>
/// Issue 19 item 6 through the API on both databases: the answer an Idempotency-Key keeps for replay holds a consumer's
/// personal data only sealed under that consumer's key, dies with the key on erasure, and a replay after the erasure
/// answers with the erased resource, never the stored data.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class StoredAnswersPrivacyApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Marker = "Wombatstored";

    private static object Consumer() => new
    {
        externalRef = $"{Marker}-REF-9913",
        fullName = $"Ottoline {Marker}-NAME",
        email = $"ottoline.{Marker.ToLowerInvariant()}@probe.test",
        phone = "+44 7700 900456",
        address = new { lines = new[] { $"7 {Marker}-LINE Road" }, city = "Aberystwyth", postcode = "SY23 1AA", country = "GB" },
        dateOfBirth = "1970-04-05",
    };

    [Test]
    public async Task Keyed_answers_are_sealed_at_rest_and_a_replay_after_erasure_returns_none_of_the_data()
    {
        var tenant = await CreateTenantAsync();
        var (consumerKey, complaintKey, noteKey) = (Idempotent.NewKey(), Idempotent.NewKey(), Idempotent.NewKey());
        var consumer = await Read<ConsumerDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Consumer(), consumerKey),
            HttpStatusCode.Created);
        var complaintBody = Idempotent.Complaint(consumer.Id, $"{Marker}-DESC my sort code is 12-34-56");
        var complaint = await Read<ComplaintDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", complaintBody, complaintKey),
            HttpStatusCode.Created);
        var noteBody = new { kind = "internal", body = $"{Marker}-NOTE her husband died in March" };
        var notePath = $"/v1/complaints/{complaint.Id}/notes";
        await Read<NoteDto>(await Idempotent.PostAsync(tenant.Admin, notePath, noteBody, noteKey), HttpStatusCode.Created);

        // Before the erasure a replay answers what the first request answered, read from the sealed row.
        var replayed = await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Consumer(), consumerKey);
        Assert.That((await Read<ConsumerDto>(replayed, HttpStatusCode.Created)).FullName, Is.EqualTo($"Ottoline {Marker}-NAME"));
        var replayedNote = await Read<NoteDto>(await Idempotent.PostAsync(tenant.Admin, notePath, noteBody, noteKey), HttpStatusCode.Created);
        Assert.That(replayedNote.Body, Does.StartWith($"{Marker}-NOTE"));

        await AtRest.CheckpointAsync(Db);
        var atRest = await AtRest.DumpAsync(Db);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(atRest, Does.Contain(consumerKey), "the dump holds the keys' rows (sanity check)");
            Assert.That(atRest, Does.Not.Contain(Marker).IgnoreCase);
            Assert.That(atRest, Does.Not.Contain("1970-04-05").And.Not.Contain("SY23 1AA").And.Not.Contain("7700 900456"));
            Assert.That(await Idempotent.CountAsync(Db,
                $"SELECT count(*) FROM idempotency_keys WHERE consumer_id = '{consumer.Id:D}' AND response_body LIKE 'v1:%'"), Is.EqualTo(3));
        }

        await Read<ConsumerDto>(await tenant.Admin.PostAsync($"/v1/consumers/{consumer.Id}/erasure", null));

        var afterConsumer = await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Consumer(), consumerKey);
        var afterComplaint = await Idempotent.PostAsync(tenant.Admin, "/v1/complaints", complaintBody, complaintKey);
        var afterNote = await Idempotent.PostAsync(tenant.Admin, notePath, noteBody, noteKey);
        var bodies = new[] { await afterConsumer.Content.ReadAsStringAsync(), await afterComplaint.Content.ReadAsStringAsync(),
            await afterNote.Content.ReadAsStringAsync() };
        var erasedConsumer = await Read<ConsumerDto>(afterConsumer, HttpStatusCode.Created);
        var erasedComplaint = await Read<ComplaintDto>(afterComplaint, HttpStatusCode.Created);
        var erasedNote = await Read<NoteDto>(afterNote, HttpStatusCode.Created);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(bodies, Has.All.Not.Contain(Marker).IgnoreCase);
            Assert.That(bodies, Has.All.Not.Contain("1970-04-05").And.Not.Contain("900456"));
            Assert.That(erasedConsumer.Id, Is.EqualTo(consumer.Id), "the replay names the same consumer: nothing was registered again");
            Assert.That(erasedConsumer.ErasedAt, Is.Not.Null);
            Assert.That(erasedConsumer.FullName, Is.Null);
            Assert.That(erasedComplaint.Id, Is.EqualTo(complaint.Id));
            Assert.That(erasedComplaint.PersonalDataErased, Is.True);
            Assert.That(erasedNote.Body, Is.Null);
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM consumers"), Is.EqualTo(1));
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaints"), Is.EqualTo(1));
            Assert.That(await Idempotent.CountAsync(Db, "SELECT count(*) FROM complaint_notes"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_sealed_answer_moved_to_another_key_does_not_replay()
    {
        var tenant = await CreateTenantAsync();
        var (first, second) = (Idempotent.NewKey(), Idempotent.NewKey());
        await Read<ConsumerDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Consumer(), first), HttpStatusCode.Created);
        var other = await Read<ConsumerDto>(await Idempotent.PostAsync(tenant.Admin, "/v1/consumers",
            Idempotent.Consumer("OTHER-REF"), second), HttpStatusCode.Created);

        // A superuser copies the first answer (and whose it is) into the second key's row: the row binding refuses it.
        await AtRest.SqlAsync(Db, $"""
            UPDATE idempotency_keys SET response_body = (SELECT response_body FROM idempotency_keys WHERE idem_key = '{first}'),
                consumer_id = (SELECT consumer_id FROM idempotency_keys WHERE idem_key = '{first}')
            WHERE idem_key = '{second}'
            """);
        var replay = await Idempotent.PostAsync(tenant.Admin, "/v1/consumers", Idempotent.Consumer("OTHER-REF"), second);
        var body = await replay.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), body);
            Assert.That(body, Does.Not.Contain(Marker).And.Not.Contain(other.Id.ToString("D")));
        }
    }
}
