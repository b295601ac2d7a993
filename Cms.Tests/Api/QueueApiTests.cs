using System.Net;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Queues;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// Queues through the HTTP API on both databases: the queues themselves, membership, filing into and moving between
/// queues, the agent rule (assigned to them, or unassigned in one of their queues), and the queue and unassigned
/// filters of the complaint list and the due lists.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class QueueApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task A_tenant_admin_creates_lists_and_retires_queues_and_each_change_is_audited()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);

        var cards = await tenant.CreateQueueAsync("cards", "Cards");
        var mortgages = await tenant.CreateQueueAsync("mortgages", "Mortgages");
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/queues", new { code = "cards", name = "Again" }),
            HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/queues", new { code = "Not A Code", name = "Bad" }),
            HttpStatusCode.BadRequest, "code");
        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Post, "/v1/queues", new { code = "loans", name = "Loans" }),
            HttpStatusCode.Forbidden);

        var listed = await Read<Page<QueueDto>>(await agent.GetAsync("/v1/queues"));
        Assert.That(listed.Items.Select(q => q.Code), Is.EqualTo(new[] { "cards", "mortgages" }));

        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/queues/{cards.Id}/retire", ifMatch: cards.Version + 1),
            HttpStatusCode.PreconditionFailed);
        var retired = await Read<QueueDto>(await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/queues/{cards.Id}/retire", ifMatch: cards.Version));
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/queues/{cards.Id}/retire"), HttpStatusCode.Conflict);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(retired.Retired, Is.True);
            Assert.That(retired.Version, Is.EqualTo(2));
            var again = await Read<Page<QueueDto>>(await agent.GetAsync("/v1/queues"));
            Assert.That(again.Items.Single(q => q.Id == cards.Id).Retired, Is.True, "a retired queue is listed, marked");
            Assert.That(again.Items.Single(q => q.Id == mortgages.Id).Retired, Is.False);
            var actions = (await AuditAsync(tenant.Admin)).Where(a => a.EntityType == "queue").Select(a => a.Action);
            Assert.That(actions, Is.EqualTo(new[] { "queue.created", "queue.created", "queue.retired" }));
        }

        // A retired queue takes no new complaints and no new members.
        var consumer = await tenant.RegisterConsumerAsync();
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/complaints", new
        {
            consumerId = consumer.Id, channel = "web", product = "current_account", category = "fees", description = "Late.", queue = "cards",
        }), HttpStatusCode.Conflict);
        var (member, _) = await tenant.AddStaffAsync(Role.Agent);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{member.Id}/queues", new { queues = new[] { "cards" } }),
            HttpStatusCode.Conflict);
    }

    [Test]
    public async Task An_agent_in_the_queue_may_act_an_agent_outside_it_may_not_and_a_supervisor_always_may()
    {
        var tenant = await CreateTenantAsync();
        var (inside, insideClient) = await tenant.AddQueueAgentAsync("cards");
        var (outside, outsideClient) = await tenant.AddQueueAgentAsync("mortgages");
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var consumer = await tenant.RegisterConsumerAsync();
        var inCards = await tenant.FileComplaintAsync(consumer.Id, queue: "cards");
        var unrouted = await tenant.FileComplaintAsync(consumer.Id);
        Assert.That(inCards.QueueId, Is.Not.Null);
        Assert.That(unrouted.QueueId, Is.Null, "no queue in the filing body and no routing default: none");

        var auditBefore = await AuditCountAsync(tenant.Admin);
        foreach (var (client, complaint, what) in new[]
                 {
                     (outsideClient, inCards, "an agent of another queue"),
                     (insideClient, unrouted, "an unassigned complaint in no queue"),
                     (outsideClient, unrouted, "an unassigned complaint in no queue (other agent)"),
                 })
        {
            var refused = await AssertProblemAsync(await TransitionAsync(client, complaint.Id, "acknowledge", complaint.Version),
                HttpStatusCode.Forbidden);
            Assert.That(refused.GetProperty("detail").GetString(),
                Is.EqualTo("An agent acts only on complaints assigned to them or unassigned in one of their queues."), what);
            await AssertProblemAsync(await client.SendAsync(HttpMethod.Post, $"/v1/complaints/{complaint.Id}/notes",
                new { kind = "internal", body = "Not mine." }), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await TransitionAsync(client, complaint.Id, "assign", complaint.Version, new { assigneeId = outside.Id }),
                HttpStatusCode.Forbidden);
        }

        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(auditBefore), "nothing refused was written");

        var taken = await Read<ComplaintDto>(await TransitionAsync(insideClient, inCards.Id, "assign", inCards.Version, new { assigneeId = inside.Id }));
        taken = await Read<ComplaintDto>(await TransitionAsync(insideClient, taken.Id, "acknowledge", taken.Version));
        Assert.That(taken.Status, Is.EqualTo(ComplaintStatus.Acknowledged));
        await Expect(await insideClient.SendAsync(HttpMethod.Post, $"/v1/complaints/{taken.Id}/notes", new { kind = "internal", body = "Mine." }),
            HttpStatusCode.Created);

        var routed = await Read<ComplaintDto>(await TransitionAsync(supervisor, unrouted.Id, "acknowledge", unrouted.Version));
        Assert.That(routed.Status, Is.EqualTo(ComplaintStatus.Acknowledged), "a supervisor handles an unassigned complaint in no queue");
    }

    [Test]
    public async Task A_supervisor_moves_a_complaint_with_If_Match_and_the_move_is_versioned_audited_and_takes_effect_at_once()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddQueueAgentAsync("cards");
        await tenant.CreateQueueAsync("mortgages");
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var consumer = await tenant.RegisterConsumerAsync();
        var filed = await tenant.FileComplaintAsync(consumer.Id, queue: "mortgages");
        await AssertProblemAsync(await TransitionAsync(agent, filed.Id, "acknowledge", filed.Version), HttpStatusCode.Forbidden);

        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Post, $"/v1/complaints/{filed.Id}/queue", new { queue = "cards" }),
            HttpStatusCode.PreconditionRequired);
        await AssertProblemAsync(await TransitionAsync(supervisor, filed.Id, "queue", filed.Version + 1, new { queue = "cards" }),
            HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await TransitionAsync(agent, filed.Id, "queue", filed.Version, new { queue = "cards" }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await TransitionAsync(supervisor, filed.Id, "queue", filed.Version, new { queue = "nowhere" }),
            HttpStatusCode.BadRequest, "queue");
        await AssertProblemAsync(await TransitionAsync(supervisor, filed.Id, "queue", filed.Version, new { queue = "mortgages" }),
            HttpStatusCode.Conflict);

        var response = await TransitionAsync(supervisor, filed.Id, "queue", filed.Version, new { queue = "cards" });
        var moved = await Read<ComplaintDto>(response);
        var cards = (await Read<Page<QueueDto>>(await agent.GetAsync("/v1/queues"))).Items.Single(q => q.Code == "cards");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved.QueueId, Is.EqualTo(cards.Id));
            Assert.That(moved.Version, Is.EqualTo(filed.Version + 1));
            Assert.That(response.Headers.ETag?.Tag, Is.EqualTo($"\"{moved.Version}\""));
            var history = await Read<Page<Cms.Application.Audit.AuditEntryDto>>(await supervisor.GetAsync($"/v1/complaints/{filed.Id}/history"));
            Assert.That(history.Items.Select(a => a.Action), Does.Contain("complaint.queue_moved"));
        }

        // Now in the agent's queue: theirs to pick up.
        await Expect(await TransitionAsync(agent, moved.Id, "acknowledge", moved.Version), HttpStatusCode.OK);
        var current = await Read<ComplaintDto>(await supervisor.GetAsync($"/v1/complaints/{filed.Id}"));
        var outOfQueues = await Read<ComplaintDto>(await TransitionAsync(supervisor, filed.Id, "queue", current.Version, new { queue = (string?)null }));
        Assert.That(outOfQueues.QueueId, Is.Null);
    }

    [Test]
    public async Task Membership_is_replaced_as_a_whole_by_an_admin_or_supervisor_and_read_on_the_next_request()
    {
        var tenant = await CreateTenantAsync();
        await tenant.CreateQueueAsync("cards");
        await tenant.CreateQueueAsync("mortgages");
        var (agent, agentClient) = await tenant.AddStaffAsync(Role.Agent);
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id, queue: "mortgages");
        await AssertProblemAsync(await TransitionAsync(agentClient, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.Forbidden);

        await AssertProblemAsync(await agentClient.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues", new { queues = new[] { "mortgages" } }),
            HttpStatusCode.Forbidden);
        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues", new { queues = new[] { "nowhere" } }),
            HttpStatusCode.BadRequest, "queues");
        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues",
            new { queues = new[] { "cards", "cards" } }), HttpStatusCode.BadRequest, "queues");
        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues", new { queues = new[] { "cards" } },
            agent.Version + 1), HttpStatusCode.PreconditionFailed);

        var set = await Read<StaffQueuesDto>(await supervisor.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues",
            new { queues = new[] { "mortgages", "cards" } }, agent.Version));
        Assert.That(set.Queues, Is.EqualTo(new[] { "cards", "mortgages" }));
        Assert.That(set.Version, Is.EqualTo(agent.Version + 1));
        complaint = await Read<ComplaintDto>(await TransitionAsync(agentClient, complaint.Id, "acknowledge", complaint.Version));

        // Out of mortgages again: refused on the very next request.
        await Read<StaffQueuesDto>(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues", new { queues = new[] { "cards" } }));
        await AssertProblemAsync(await TransitionAsync(agentClient, complaint.Id, "start", complaint.Version), HttpStatusCode.Forbidden);
        // And back (a membership that ended is kept, marked inactive, and comes back).
        await Read<StaffQueuesDto>(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/queues", new { queues = new[] { "mortgages" } }));
        await Expect(await TransitionAsync(agentClient, complaint.Id, "start", complaint.Version), HttpStatusCode.OK);

        var actions = (await AuditAsync(tenant.Admin)).Where(a => a.EntityId == agent.Id).Select(a => a.Action);
        Assert.That(actions.Count(a => a == "staff.queues_replaced"), Is.EqualTo(3));
    }

    [Test]
    public async Task The_complaint_list_and_the_due_lists_filter_by_queue_and_unassigned()
    {
        var tenant = await CreateTenantAsync();
        var (agent, agentClient) = await tenant.AddQueueAgentAsync("cards");
        await tenant.CreateQueueAsync("mortgages");
        var consumer = await tenant.RegisterConsumerAsync();
        var now = DateTimeOffset.UtcNow;
        // UK banking: the final response is due 8 weeks after receipt; 70 days ago is overdue, 50 days ago due within a week or so.
        var cardsOverdue = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-70), queue: "cards");
        var cardsSoon = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-50), queue: "cards");
        var cardsTaken = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-51), queue: "cards");
        cardsTaken = await Read<ComplaintDto>(await TransitionAsync(agentClient, cardsTaken.Id, "assign", cardsTaken.Version,
            new { assigneeId = agent.Id }));
        var mortgagesOverdue = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-80), queue: "mortgages");
        var unrouted = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-75));

        async Task<IReadOnlyList<Guid>> Listed(string query) =>
            [.. (await Read<Page<ComplaintSummaryDto>>(await agentClient.GetAsync($"/v1/complaints?{query}"))).Items.Select(c => c.Id)];

        async Task<IReadOnlyList<Guid>> Due(string query) =>
            [.. (await Read<Page<DueComplaintDto>>(await agentClient.GetAsync($"/v1/complaints/due?{query}"))).Items.Select(c => c.ComplaintId)];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Listed("queue=cards"), Is.EqualTo(new[] { cardsOverdue.Id, cardsTaken.Id, cardsSoon.Id }), "oldest received first");
            Assert.That(await Listed("queue=cards&unassigned=true"), Is.EqualTo(new[] { cardsOverdue.Id, cardsSoon.Id }));
            Assert.That(await Listed("queue=cards&unassigned=false"), Is.EqualTo(new[] { cardsTaken.Id }));
            Assert.That(await Listed("unassigned=true"), Is.EqualTo(new[] { mortgagesOverdue.Id, unrouted.Id, cardsOverdue.Id, cardsSoon.Id }));
            Assert.That(await Listed("queue=mortgages"), Is.EqualTo(new[] { mortgagesOverdue.Id }));

            Assert.That(await Due("queue=cards&overdue=true"), Is.EqualTo(new[] { cardsOverdue.Id }));
            Assert.That(await Due("queue=cards&withinDays=14"), Is.EqualTo(new[] { cardsTaken.Id, cardsSoon.Id }), "soonest first");
            Assert.That(await Due("queue=cards&unassigned=true&withinDays=14"), Is.EqualTo(new[] { cardsSoon.Id }));
            Assert.That(await Due("queue=cards&unassigned=true"), Is.EqualTo(new[] { cardsOverdue.Id, cardsSoon.Id }));
            Assert.That(await Due("unassigned=true&overdue=true"), Is.EqualTo(new[] { mortgagesOverdue.Id, unrouted.Id, cardsOverdue.Id }));
            Assert.That(await Due("queue=mortgages&overdue=true"), Is.EqualTo(new[] { mortgagesOverdue.Id }));
            Assert.That(await Due("queue=cards&kind=final_response&unassigned=true"), Is.EqualTo(new[] { cardsOverdue.Id, cardsSoon.Id }));
        }

        // Keyset paging holds with the queue filter.
        var first = await Read<Page<DueComplaintDto>>(await agentClient.GetAsync("/v1/complaints/due?queue=cards&limit=2"));
        Assert.That(first.Items.Select(i => i.ComplaintId), Is.EqualTo(new[] { cardsOverdue.Id, cardsTaken.Id }));
        var second = await Read<Page<DueComplaintDto>>(await agentClient.GetAsync(
            $"/v1/complaints/due?queue=cards&limit=2&cursor={Uri.EscapeDataString(first.NextCursor!)}"));
        Assert.That(second.Items.Select(i => i.ComplaintId), Is.EqualTo(new[] { cardsSoon.Id }));
        Assert.That(second.NextCursor, Is.Null);

        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints?queue=nowhere"), HttpStatusCode.BadRequest, "queue");
        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints/due?queue=nowhere"), HttpStatusCode.BadRequest, "queue");
        await AssertProblemAsync(await agentClient.GetAsync($"/v1/complaints?unassigned=true&assigneeId={agent.Id}"), HttpStatusCode.BadRequest,
            "unassigned");
        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints/due?queue=Not%20A%20Code"), HttpStatusCode.BadRequest, "queue");
    }
}
