using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Tests.Support;

namespace Cms.Tests.Events;

/// <summary>
/// Webhook writes answer with the endpoint built from what they wrote and the delivery state read (locked) with it, not
/// read back (docs/adr/0011 part 5): each answer is exactly what a read of the endpoint gives afterwards, on both
/// databases; a stale If-Match still changes nothing. Background delivery is off, so nothing moves the delivery state in
/// between.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class WebhookAnswerTests(DatabaseKind kind) : ApiTestBase(kind)
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cms:Webhooks:DeliveryEnabled"] = "false",
    };

    [Test]
    public async Task Create_update_and_replay_answer_what_a_read_gives()
    {
        var tenant = await CreateTenantAsync();
        await tenant.RegisterConsumerAsync(); // an event in the feed, so the endpoint starts past position 0

        using var created = await tenant.Admin.PostAsJsonAsync("/v1/webhooks",
            new { url = "https://hooks.example.com/cms", eventTypes = new[] { "consumer.*", "complaint.filed" } }, Json);
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), createdBody);
        using var createdJson = JsonDocument.Parse(createdBody);
        var webhook = createdJson.RootElement.GetProperty("webhook");
        var path = $"/v1/webhooks/{webhook.GetProperty("id").GetGuid()}";
        Assert.That(webhook.GetRawText(), Is.EqualTo(await tenant.Admin.GetStringAsync(path)), "the created endpoint");

        using var update = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new { url = "https://other.example.org/in", active = false }, options: Json),
        };
        update.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var updated = await tenant.Admin.SendAsync(update);
        var updatedBody = await updated.Content.ReadAsStringAsync();
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK), updatedBody);
        var afterUpdate = await tenant.Admin.GetStringAsync(path);
        Assert.That(updatedBody, Is.EqualTo(afterUpdate), "the updated endpoint");

        using var stale = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new { active = true }, options: Json),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var staleResponse = await tenant.Admin.SendAsync(stale);
        Assert.That(staleResponse.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(await tenant.Admin.GetStringAsync(path), Is.EqualTo(afterUpdate), "a stale update changes nothing");

        using var replayed = await tenant.Admin.PostAsJsonAsync($"{path}/replay", new { fromPosition = 1 }, Json);
        var replayedBody = await replayed.Content.ReadAsStringAsync();
        Assert.That(replayed.StatusCode, Is.EqualTo(HttpStatusCode.OK), replayedBody);
        Assert.That(replayedBody, Is.EqualTo(await tenant.Admin.GetStringAsync(path)), "the replayed endpoint");
    }
}
