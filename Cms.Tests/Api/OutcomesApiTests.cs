using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Taxonomies;
using Cms.Domain.Complaints;
using Cms.Domain.Consumers;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Api;

/// <summary>Outcomes and classification through the HTTP API (issue 7): taxonomies, responses, vulnerability with consent, merging.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class OutcomesApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    internal static async Task<ComplaintDto> FileAsync(HttpClient client, Guid consumerId, string product = "current_account",
        DateTimeOffset? receivedAt = null, bool vulnerable = false, bool disability = false, string category = "fees", string? queue = null)
    {
        var response = await client.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId,
            channel = "web",
            product,
            category,
            description = "Charged twice for the same transfer.",
            receivedAt,
            vulnerabilityInvolved = vulnerable,
            disability,
            queue,
        }, Json);
        return await Read<ComplaintDto>(response, HttpStatusCode.Created);
    }

    internal static async Task<ComplaintDto> StepAsync(HttpClient client, ComplaintDto c, string step, object? body = null) =>
        await Read<ComplaintDto>(await TransitionAsync(client, c.Id, step, c.Version, body));

    internal static async Task<TaxonomyDto> PublishAsync(HttpClient admin, string kind, params string[] codes) =>
        await Read<TaxonomyDto>(await admin.PostAsJsonAsync($"/v1/taxonomies/{kind}/versions",
            new { entries = codes.Select(c => new { code = c, label = $"Label of {c}" }) }, Json), HttpStatusCode.Created);

    private static DateTimeOffset Micro(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % 10));

    private static async Task<HttpResponseMessage> PutVulnerabilityAsync(HttpClient client, ComplaintDto c, object body) =>
        await client.SendAsync(ApiRequests.Json(HttpMethod.Put, $"/v1/complaints/{c.Id}/vulnerability", body, c.Version));

    [Test]
    public async Task A_tenant_admin_publishes_versioned_taxonomies_and_complaints_take_only_their_codes()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddQueueAgentAsync("general");
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        var consumer = await tenant.RegisterConsumerAsync(agent);

        // Before any taxonomy of a kind exists, codes are free and carry no version.
        var free = await FileAsync(agent, consumer.Id, product: "anything_goes", queue: "general");
        Assert.That((free.Product, free.ProductVersion), Is.EqualTo(("anything_goes", (int?)null)));
        await ApiRequests.AssertProblemAsync(await agent.GetAsync("/v1/taxonomies/product"), HttpStatusCode.NotFound);

        // Only a tenant admin publishes.
        var refused = await agent.PostAsJsonAsync("/v1/taxonomies/product/versions", new { entries = new[] { new { code = "x", label = "X" } } }, Json);
        await ApiRequests.AssertProblemAsync(refused, HttpStatusCode.Forbidden);

        var v1 = await PublishAsync(tenant.Admin, "product", "current_account", "mortgage");
        var v2 = await PublishAsync(tenant.Admin, "product", "current_account", "savings");
        Assert.That((v1.Version, v2.Version), Is.EqualTo((1, 2)));

        var current = await Read<TaxonomyDto>(await integration.GetAsync("/v1/taxonomies/product"));
        var first = await Read<TaxonomyDto>(await agent.GetAsync("/v1/taxonomies/product/versions/1"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(current.Version, Is.EqualTo(2));
            Assert.That(current.Entries.Select(e => e.Code), Is.EqualTo(new[] { "current_account", "savings" }));
            Assert.That(first.Entries.Select(e => e.Code), Is.EqualTo(new[] { "current_account", "mortgage" }), "old versions stay readable");
            Assert.That(first.Entries[0].Label, Is.EqualTo("Label of current_account"));
        }

        // A code the current version lacks is a 400 naming the field, and nothing is filed.
        var before = await Read<Page<ComplaintSummaryDto>>(await agent.GetAsync("/v1/complaints?limit=200"));
        var unknown = await agent.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "mortgage", category = "fees", description = "d",
        }, Json);
        await ApiRequests.AssertProblemAsync(unknown, HttpStatusCode.BadRequest, "product");
        var after = await Read<Page<ComplaintSummaryDto>>(await agent.GetAsync("/v1/complaints?limit=200"));
        Assert.That(after.Items, Has.Count.EqualTo(before.Items.Count));

        var filed = await FileAsync(agent, consumer.Id, product: "savings", queue: "general");
        Assert.That((filed.Product, filed.ProductVersion, filed.CategoryVersion), Is.EqualTo(("savings", (int?)2, (int?)null)));

        // Root causes come from their own taxonomy when resolving.
        await PublishAsync(tenant.Admin, "root_cause", "fees_error", "service");
        var badRoot = await TransitionAsync(agent, filed.Id, "resolve", filed.Version, new { outcome = "upheld", rootCause = "nonsense" });
        await ApiRequests.AssertProblemAsync(badRoot, HttpStatusCode.BadRequest, "rootCause");
        var resolved = await StepAsync(agent, filed, "resolve", new { outcome = "upheld", rootCause = "fees_error" });
        Assert.That((resolved.RootCause, resolved.RootCauseVersion), Is.EqualTo(("fees_error", (int?)1)));

        // Reclassifying follows the same rules.
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agent, free.Id, "classify", free.Version,
            new { product = "mortgage", category = "fees" }), HttpStatusCode.BadRequest, "product");
        var reclassified = await StepAsync(agent, free, "classify", new { product = "current_account", category = "charges" });
        Assert.That((reclassified.Product, reclassified.ProductVersion, reclassified.Category), Is.EqualTo(("current_account", (int?)2, "charges")));

        // Bad input is a clear 400.
        await ApiRequests.AssertProblemAsync(await agent.GetAsync("/v1/taxonomies/colour"), HttpStatusCode.BadRequest, "kind");
        await ApiRequests.AssertProblemAsync(await tenant.Admin.PostAsJsonAsync("/v1/taxonomies/category/versions",
            new { entries = new[] { new { code = "Bad Code", label = "x" } } }, Json), HttpStatusCode.BadRequest, "entries[0].code");
        await ApiRequests.AssertProblemAsync(await tenant.Admin.PostAsJsonAsync("/v1/taxonomies/category/versions", new { }, Json),
            HttpStatusCode.BadRequest, "entries");

        var audit = await ApiRequests.AuditAsync(tenant.Admin);
        var published = audit.Where(e => e.Action == "taxonomy.published").ToList();
        Assert.That(published.Select(e => e.EntityType).Distinct(), Is.EqualTo(new[] { AuditTrail.Taxonomy }));
        Assert.That(published, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Responses_are_recorded_with_their_dates_and_read_back_in_order()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddQueueAgentAsync("general");
        var consumer = await tenant.RegisterConsumerAsync(agent);
        var received = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-40));
        var c = await FileAsync(agent, consumer.Id, receivedAt: received, queue: "general");

        // A holding response, then (the consumer's 8 weeks passed) an ADR letter while open, then the final response.
        var holdingAt = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-2));
        c = await StepAsync(agent, c, "responses", new { type = "holding_response", sentAt = holdingAt });
        var adrAt = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-1));
        c = await StepAsync(agent, c, "responses", new { type = "adr_letter", sentAt = adrAt });
        c = await StepAsync(agent, c, "resolve", new { outcome = "not_upheld" });

        var read = await Read<ComplaintDto>(await agent.GetAsync($"/v1/complaints/{c.Id}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Responses.Select(r => r.Type), Is.EqualTo(new[] { ResponseType.HoldingResponse, ResponseType.AdrLetter, ResponseType.FinalResponse }));
            Assert.That(read.Responses[0].SentAt, Is.EqualTo(holdingAt));
            Assert.That(read.Responses[1].SentAt, Is.EqualTo(adrAt));
            Assert.That(read.Responses[2].SentAt, Is.EqualTo(read.ResolvedAt));
            Assert.That(read.Responses.Select(r => r.ComplaintId).Distinct(), Is.EqualTo(new[] { c.Id }));
            // The DISP 1.6.2(2) holding response met the 8-week deadline; the final response did not move it.
            Assert.That(read.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse).MetAt, Is.EqualTo(holdingAt));
            Assert.That(read.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse).Breached, Is.False);
        }

        // Refusals: a summary resolution is recorded by resolving; a holding response after the final one is illegal;
        // a date in the future is invalid; If-Match is required.
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agent, c.Id, "responses", c.Version,
            new { type = "summary_resolution", sentAt = adrAt }), HttpStatusCode.BadRequest, "type");
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agent, c.Id, "responses", c.Version,
            new { type = "holding_response", sentAt = adrAt }), HttpStatusCode.Conflict);
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agent, c.Id, "responses", c.Version,
            new { type = "adr_letter", sentAt = DateTimeOffset.UtcNow.AddDays(2) }), HttpStatusCode.BadRequest, "sentAt");
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agent, c.Id, "responses", c.Version,
            new { type = "deadlock_party", sentAt = adrAt }), HttpStatusCode.BadRequest);
        await ApiRequests.AssertProblemAsync(await agent.PostAsJsonAsync($"/v1/complaints/{c.Id}/responses",
            new { type = "adr_letter", sentAt = adrAt }, Json), HttpStatusCode.PreconditionRequired);
        var unchanged = await Read<ComplaintDto>(await agent.GetAsync($"/v1/complaints/{c.Id}"));
        Assert.That((unchanged.Version, unchanged.Responses.Count), Is.EqualTo((c.Version, 3)));

        var history = await Read<Page<AuditEntryDto>>(await agent.GetAsync($"/v1/complaints/{c.Id}/history?limit=200"));
        Assert.That(history.Items.Where(h => h.Action == "complaint.response_recorded").Select(h => h.ChangedFields),
            Is.EqualTo(new[] { new[] { "responses", "deadlines" }, new[] { "responses" } }));
    }

    [Test]
    public async Task Vulnerability_drivers_are_recorded_only_with_consent_and_never_reach_the_audit_trail()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddQueueAgentAsync("general");
        var consumer = await tenant.RegisterConsumerAsync(agent);
        var c = await FileAsync(agent, consumer.Id, queue: "general");

        await ApiRequests.AssertProblemAsync(await PutVulnerabilityAsync(agent, c, new { involved = true, drivers = new[] { "health" } }),
            HttpStatusCode.BadRequest, "consentGivenAt");
        await ApiRequests.AssertProblemAsync(await PutVulnerabilityAsync(agent, c, new { involved = true, drivers = new[] { "bad_luck" } }),
            HttpStatusCode.BadRequest);
        var consent = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddHours(-1));
        var recorded = await Read<ComplaintDto>(await PutVulnerabilityAsync(agent, c,
            new { involved = true, drivers = new[] { "life_event", "health" }, consentGivenAt = consent }));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorded.VulnerabilityInvolved, Is.True);
            Assert.That(recorded.Vulnerability.Drivers, Is.EqualTo(new[] { VulnerabilityDriver.Health, VulnerabilityDriver.LifeEvent }));
            Assert.That(recorded.Vulnerability.ConsentGivenAt, Is.EqualTo(consent));
        }

        // Consent withdrawn: the drivers are cleared, involvement stays.
        var withdrawn = await Read<ComplaintDto>(await PutVulnerabilityAsync(agent, recorded, new { involved = true }));
        Assert.That(withdrawn.Vulnerability, Is.EqualTo(withdrawn.Vulnerability with { Involved = true, ConsentGivenAt = null }));
        Assert.That(withdrawn.Vulnerability.Drivers, Is.Empty);

        var audit = await ApiRequests.AuditAsync(tenant.Admin);
        var raw = JsonSerializer.Serialize(audit, Json);
        var entries = audit.Where(e => e.Action == "complaint.vulnerability_recorded").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries.Select(e => e.ChangedFields), Is.EqualTo(new[] { new[] { "vulnerability" }, new[] { "vulnerability" } }));
            Assert.That(raw, Does.Not.Contain("health").And.Not.Contain("life_event"));
        }
    }

    [Test]
    public async Task Merging_keeps_the_earliest_received_date_and_both_histories()
    {
        var tenant = await CreateTenantAsync();
        var (agent, agentClient) = await tenant.AddQueueAgentAsync("general");
        var consumer = await tenant.RegisterConsumerAsync(agentClient);
        var earliest = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-20));
        var duplicate = await FileAsync(agentClient, consumer.Id, receivedAt: earliest, queue: "general");
        var survivor = await FileAsync(agentClient, consumer.Id, receivedAt: ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-2)), queue: "general");
        await Read<NoteDto>(await agentClient.PostAsJsonAsync($"/v1/complaints/{duplicate.Id}/notes",
            new { kind = "internal", body = "Said it first on the phone." }, Json), HttpStatusCode.Created);
        duplicate = await StepAsync(agentClient, duplicate, "responses", new { type = "holding_response", sentAt = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-1)) });
        await Read<NoteDto>(await agentClient.PostAsJsonAsync($"/v1/complaints/{survivor.Id}/notes",
            new { kind = "internal", body = "Second contact." }, Json), HttpStatusCode.Created);

        // Another consumer's complaint is not a duplicate.
        var stranger = await tenant.RegisterConsumerAsync(agentClient, email: "someone.else@example.test");
        var other = await FileAsync(agentClient, stranger.Id, queue: "general");
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agentClient, survivor.Id, "merge", survivor.Version, new { duplicateId = other.Id }),
            HttpStatusCode.Conflict);
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agentClient, survivor.Id, "merge", survivor.Version, new { duplicateId = survivor.Id }),
            HttpStatusCode.BadRequest, "duplicateId");
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agentClient, survivor.Id, "merge", survivor.Version, new { duplicateId = Guid.NewGuid() }),
            HttpStatusCode.NotFound);

        var merged = await StepAsync(agentClient, survivor, "merge", new { duplicateId = duplicate.Id });
        var expectedDeadlines = RegulatoryProfiles.UkBanking.ComputeDeadlines(earliest, ComplaintFlags.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(merged.ReceivedAt, Is.EqualTo(earliest));
            // PostgreSQL keeps microseconds.
            Assert.That(merged.Deadlines.Select(d => (d.Kind, Micro(d.DueAt))), Is.EquivalentTo(expectedDeadlines.Select(d => (d.Kind, Micro(d.DueAt)))));
            Assert.That(merged.Responses.Select(r => (r.ComplaintId, r.Type)), Is.EqualTo(new[] { (duplicate.Id, ResponseType.HoldingResponse) }));
            Assert.That(merged.Version, Is.EqualTo(survivor.Version + 1));
            // The holding response sent on the duplicate met the survivor's 8-week deadline, also as stored.
            Assert.That(merged.Deadlines.Single(d => d.Kind == DeadlineKind.FinalResponse).MetAt, Is.EqualTo(duplicate.Responses[0].SentAt));
        }

        var gone = await Read<ComplaintDto>(await agentClient.GetAsync($"/v1/complaints/{duplicate.Id}"));
        Assert.That((gone.Status, gone.MergedIntoId, gone.NextDueAt), Is.EqualTo((ComplaintStatus.Merged, (Guid?)merged.Id, (DateTimeOffset?)null)));
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agentClient, gone.Id, "acknowledge", gone.Version), HttpStatusCode.Conflict);

        var notes = await Read<Page<NoteDto>>(await agentClient.GetAsync($"/v1/complaints/{merged.Id}/notes?limit=200"));
        Assert.That(notes.Items.Select(n => n.ComplaintId), Is.EquivalentTo(new[] { duplicate.Id, merged.Id }));
        var history = await Read<Page<AuditEntryDto>>(await agentClient.GetAsync($"/v1/complaints/{merged.Id}/history?limit=200"));
        Assert.That(history.Items.Select(h => (h.EntityId, h.Action)), Is.SupersetOf(new[]
        {
            (duplicate.Id, "complaint.filed"), (duplicate.Id, "complaint.note_added"), (duplicate.Id, "complaint.response_recorded"),
            (duplicate.Id, "complaint.merged_into"), (merged.Id, "complaint.filed"), (merged.Id, "complaint.merged"),
        }));
        Assert.That(history.Items.Single(h => h.Action == "complaint.merged").ChangedFields,
            Is.EquivalentTo(new[] { "mergedComplaints", "receivedAt", "deadlines" }));

        // The list shows the duplicate as merged; a merged complaint cannot be merged again.
        var mergedList = await Read<Page<ComplaintSummaryDto>>(await agentClient.GetAsync("/v1/complaints?status=merged"));
        Assert.That(mergedList.Items.Select(i => i.Id), Is.EqualTo(new[] { duplicate.Id }));
        var third = await FileAsync(agentClient, consumer.Id, queue: "general");
        await ApiRequests.AssertProblemAsync(await TransitionAsync(agentClient, third.Id, "merge", third.Version, new { duplicateId = duplicate.Id }),
            HttpStatusCode.Conflict);

        // Merging the survivor into a third complaint takes its duplicate along.
        var final = await StepAsync(agentClient, third, "merge", new { duplicateId = merged.Id });
        Assert.That(final.ReceivedAt, Is.EqualTo(earliest));
        var allNotes = await Read<Page<NoteDto>>(await agentClient.GetAsync($"/v1/complaints/{final.Id}/notes?limit=200"));
        Assert.That(allNotes.Items, Has.Count.EqualTo(2));
        var repointed = await Read<ComplaintDto>(await agentClient.GetAsync($"/v1/complaints/{duplicate.Id}"));
        Assert.That(repointed.MergedIntoId, Is.EqualTo(final.Id));
        _ = agent;
    }
}
