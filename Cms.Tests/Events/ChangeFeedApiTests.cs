using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Events;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Events;

/// <summary>
/// The change feed through the HTTP API on both databases: every committed change appends exactly one event in its own
/// transaction (and a refused change none), events carry ids and field names but no personal data, only the integration
/// role reads the feed, and the after/limit cursor walks it in commit order with no gap, skip or repeat.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ChangeFeedApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private async Task<(TestTenant Tenant, HttpClient Integration)> TenantWithIntegrationAsync(string name = "Feed Bank")
    {
        var tenant = await CreateTenantAsync(name);
        var (_, integration) = await tenant.AddStaffAsync(Role.Integration);
        return (tenant, integration);
    }

    private static async Task<List<EventDto>> ReadAllAsync(HttpClient client, long after = 0, int limit = 200)
    {
        var all = new List<EventDto>();
        while (true)
        {
            var page = await Read<EventPage>(await client.GetAsync($"/v1/events?after={after}&limit={limit}"));
            all.AddRange(page.Items);
            Assert.That(page.Next, Is.EqualTo(page.Items.Count > 0 ? page.Items[^1].Position : after), "next is the last position read");
            after = page.Next;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    [Test]
    public async Task Every_committed_change_appends_one_event_matching_its_audit_entry_in_commit_order()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        // The agent works the queue the complaint is filed into (an agent acts on unassigned complaints of their queues).
        var (agent, agentClient) = await tenant.AddQueueAgentAsync("general");
        var consumer = await tenant.RegisterConsumerAsync(agentClient);
        var complaint = await tenant.FileComplaintAsync(consumer.Id, agentClient, queue: "general");
        complaint = await Read<ComplaintDto>(await TransitionAsync(agentClient, complaint.Id, "acknowledge", complaint.Version));
        complaint = await Read<ComplaintDto>(await TransitionAsync(agentClient, complaint.Id, "assign", complaint.Version, new { assigneeId = agent.Id }));
        await Expect(await agentClient.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes", new { kind = "internal", body = "Rang the branch." }, Json),
            HttpStatusCode.Created);

        var events = await ReadAllAsync(integration);
        var audit = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));

        Assert.That(events.Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, events.Count).Select(i => (long)i)), "gap-free from 1");
        Assert.That(events.Select(e => (e.Type, e.EntityType, e.EntityId, e.ChangedFields)),
            Is.EqualTo(audit.Items.Select(a => (a.Action, a.EntityType, a.EntityId, a.ChangedFields))), "one event per audit entry, same order");
        Assert.That(events.Select(e => e.OccurredAt), Is.EqualTo(audit.Items.Select(a => a.OccurredAt)));
        Assert.That(events.Select(e => e.Type), Is.EqualTo(new[]
        {
            "tenant.created", "legal_entity.created", "staff.added", "staff.added", "queue.created", "staff.added", "staff.queues_replaced", "consumer.registered",
            "complaint.filed", "complaint.acknowledged",
            "complaint.assigned", "complaint.note_added",
        }));
        var complaintEvents = events.Where(e => e.EntityId == complaint.Id).ToList();
        Assert.That(complaintEvents.Select(e => e.EntityVersion), Is.EqualTo(new long[] { 1, 2, 3, 3 }), "the complaint's version after each change");
        Assert.That(events.Select(e => e.Id).Distinct().Count(), Is.EqualTo(events.Count));
    }

    [Test]
    public async Task Merging_a_survivor_repoints_its_duplicates_with_an_audit_entry_and_an_event_each()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var first = await tenant.FileComplaintAsync(consumer.Id);
        var second = await tenant.FileComplaintAsync(consumer.Id);
        var third = await tenant.FileComplaintAsync(consumer.Id);
        var survivor = await tenant.FileComplaintAsync(consumer.Id);
        // first and second are merged into third; then third into survivor: first and second follow it.
        third = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, third.Id, "merge", third.Version, new { duplicateId = first.Id }));
        third = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, third.Id, "merge", third.Version, new { duplicateId = second.Id }));
        var before = await ReadAllAsync(integration);
        var firstBefore = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{first.Id}"));
        var secondBefore = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{second.Id}"));

        await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, survivor.Id, "merge", survivor.Version, new { duplicateId = third.Id }));

        var events = await ReadAllAsync(integration, after: before[^1].Position);
        var firstAfter = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{first.Id}"));
        var secondAfter = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{second.Id}"));
        var audit = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        var repointed = events.Where(e => e.Type == "complaint.merge_repointed").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(events.Select(e => (e.Type, e.EntityId)), Is.EquivalentTo(new[]
            {
                ("complaint.merged_into", third.Id), ("complaint.merge_repointed", first.Id), ("complaint.merge_repointed", second.Id),
                ("complaint.merged", survivor.Id),
            }));
            Assert.That((firstAfter.MergedIntoId, secondAfter.MergedIntoId), Is.EqualTo(((Guid?)survivor.Id, (Guid?)survivor.Id)));
            Assert.That(firstAfter.Version, Is.EqualTo(firstBefore.Version + 1));
            Assert.That(secondAfter.Version, Is.EqualTo(secondBefore.Version + 1));
            Assert.That(repointed.Single(e => e.EntityId == first.Id).EntityVersion, Is.EqualTo(firstAfter.Version));
            Assert.That(repointed.Single(e => e.EntityId == second.Id).EntityVersion, Is.EqualTo(secondAfter.Version));
            Assert.That(repointed.Select(e => e.ChangedFields), Is.All.EqualTo(new[] { "mergedIntoId" }));
            Assert.That(audit.Items.Where(a => a.Action == "complaint.merge_repointed").Select(a => (a.EntityId, a.ChangedFields)),
                Is.EquivalentTo(repointed.Select(e => (e.EntityId, e.ChangedFields))), "one audit entry per event");
        }
    }

    [Test]
    public async Task A_refused_change_appends_no_event_and_leaves_no_gap()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var before = await ReadAllAsync(integration);

        // Stale version (412), illegal transition (409), validation (400): nothing is committed.
        await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version + 5), HttpStatusCode.PreconditionFailed);
        await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "close", complaint.Version), HttpStatusCode.Conflict);
        await Expect(await tenant.Admin.PostAsJsonAsync("/v1/consumers", new { fullName = "" }, Json), HttpStatusCode.BadRequest);
        Assert.That(await ReadAllAsync(integration), Is.EqualTo(before).Using<EventDto>(SameEvent));

        await Expect(await TransitionAsync(tenant.Admin, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.OK);
        var after = await ReadAllAsync(integration, before[^1].Position);
        Assert.That(after.Select(e => (e.Position, e.Type)), Is.EqualTo(new[] { (before[^1].Position + 1, "complaint.acknowledged") }));
    }

    private static bool SameEvent(EventDto a, EventDto b) => a.Position == b.Position && a.Id == b.Id;

    [Test]
    public async Task Events_hold_no_personal_data()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        var consumer = await tenant.RegisterConsumerAsync(externalRef: "EXT-SECRET-REF-77", email: "private.person@example.test");
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/complaints/{complaint.Id}/notes",
            new { kind = "internal", body = "Consumer said their PIN is 4711" }, Json), HttpStatusCode.Created);

        var raw = await integration.GetStringAsync("/v1/events?limit=200");
        Assert.That(raw, Does.Contain(consumer.Id.ToString()), "control: the consumer's events are in the feed");
        foreach (var personal in new[] { "Jane Consumer", "private.person", "EXT-SECRET-REF-77", "+44 20", "Charged twice", "PIN is 4711", "Tenant Admin" })
        {
            Assert.That(raw, Does.Not.Contain(personal), personal);
        }
    }

    [Test]
    public async Task Only_the_integration_role_reads_the_feed_and_bad_cursors_are_400()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        foreach (var role in new[] { Role.Agent, Role.Supervisor, Role.Auditor })
        {
            var (_, client) = await tenant.AddStaffAsync(role);
            await Expect(await client.GetAsync("/v1/events"), HttpStatusCode.Forbidden);
        }

        await Expect(await tenant.Admin.GetAsync("/v1/events"), HttpStatusCode.Forbidden);
        await Expect(await Platform.GetAsync("/v1/events"), HttpStatusCode.Forbidden);
        foreach (var query in new[] { "after=-1", "limit=0", "limit=201", "after=abc" })
        {
            await Expect(await integration.GetAsync($"/v1/events?{query}"), HttpStatusCode.BadRequest);
        }

        var page = await Read<EventPage>(await integration.GetAsync("/v1/events?after=1000000"));
        Assert.That(page.Items, Is.Empty);
        Assert.That(page.Next, Is.EqualTo(1_000_000), "polling beyond the end stays put");
        Assert.That(page.HasMore, Is.False);
    }

    [Test]
    public async Task Paging_one_event_at_a_time_reads_exactly_what_one_page_reads()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        for (var i = 0; i < 4; i++)
        {
            await tenant.FileComplaintAsync((await tenant.RegisterConsumerAsync()).Id);
        }

        var whole = await ReadAllAsync(integration);
        var single = await ReadAllAsync(integration, limit: 1);
        Assert.That(single.Select(e => e.Id), Is.EqualTo(whole.Select(e => e.Id)));
        Assert.That(whole, Has.Count.GreaterThanOrEqualTo(10));
    }

    [Test]
    public async Task Each_tenant_has_its_own_feed_numbered_from_one()
    {
        var (a, aIntegration) = await TenantWithIntegrationAsync("A Bank");
        var (b, bIntegration) = await TenantWithIntegrationAsync("B Bank");
        var aComplaint = await a.FileComplaintAsync((await a.RegisterConsumerAsync()).Id);
        await b.RegisterConsumerAsync();

        var aEvents = await ReadAllAsync(aIntegration);
        var bEvents = await ReadAllAsync(bIntegration);
        Assert.That(aEvents[0].Position, Is.EqualTo(1));
        Assert.That(bEvents[0].Position, Is.EqualTo(1));
        Assert.That(bEvents.Select(e => e.EntityId), Does.Not.Contain(aComplaint.Id));
        Assert.That(bEvents.Select(e => e.EntityId), Does.Not.Contain(a.Id));
        Assert.That(bEvents.Select(e => e.Id).Intersect(aEvents.Select(e => e.Id)), Is.Empty);
    }

    /// <summary>
    /// Many writers commit at once while a reader polls with its cursor. A feed numbered by a plain sequence would let a
    /// later number commit (and be read past) before an earlier one; here the reader must end with every event exactly
    /// once, positions 1..N in order, and each page it saw must have been a gap-free continuation of the last.
    /// </summary>
    [Test]
    public async Task Concurrent_writers_and_a_polling_reader_never_skip_or_repeat_an_event()
    {
        var (tenant, integration) = await TenantWithIntegrationAsync();
        var consumers = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            consumers.Add((await tenant.RegisterConsumerAsync()).Id);
        }

        const int writers = 8;
        const int perWriter = 12;
        using var done = new CancellationTokenSource();
        var seen = new List<EventDto>();
        var violations = new ConcurrentQueue<string>();
        var reader = Task.Run(async () =>
        {
            long after = 0;
            while (true)
            {
                var finished = done.IsCancellationRequested; // read once more after the writers are done
                var page = await Read<EventPage>(await integration.GetAsync($"/v1/events?after={after}&limit=7"));
                for (var i = 0; i < page.Items.Count; i++)
                {
                    if (page.Items[i].Position != after + 1 + i)
                    {
                        violations.Enqueue($"after {after} the page held position {page.Items[i].Position} at index {i}");
                    }
                }

                seen.AddRange(page.Items);
                after = page.Next;
                if (finished && !page.HasMore)
                {
                    return;
                }
            }
        });

        var writes = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                if (i % 3 == 0)
                {
                    await tenant.RegisterConsumerAsync();
                }
                else
                {
                    await tenant.FileComplaintAsync(consumers[(w + i) % consumers.Count]);
                }
            }
        })).ToList();
        await Task.WhenAll(writes);
        await done.CancelAsync();
        await reader;

        var stored = await ReadAllAsync(integration);
        Assert.That(violations, Is.Empty);
        Assert.That(seen.Select(e => e.Id), Is.EqualTo(stored.Select(e => e.Id)), "the polling reader saw exactly the feed, in order");
        Assert.That(seen.Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, seen.Count).Select(i => (long)i)));
        Assert.That(seen.Count(e => e.Type is "complaint.filed" or "consumer.registered"), Is.EqualTo(writers * perWriter + consumers.Count));
    }
}
