using System.Net;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Staff;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>GET /v1/complaints: every filter, keyset paging, and the bounds of its parameters.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ComplaintListApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    /// <summary>
    /// A UK bank's queue (final response due 8 weeks after receipt; the summary-resolution window never makes a complaint
    /// overdue):
    /// <list type="bullet">
    /// <item>old: received 100 days ago, fees, consumer 1, resolved (nothing due);</item>
    /// <item>late: received 70 days ago, fees, consumer 1, assigned to agent A, received (overdue);</item>
    /// <item>soon: received 40 days ago, service, consumer 1, acknowledged (due in about 16 days);</item>
    /// <item>recent: received 10 days ago, fees, consumer 2, assigned to agent B, investigating (due in about 46 days);</item>
    /// <item>fresh: received now, fraud, consumer 2, resolved (nothing due).</item>
    /// </list>
    /// </summary>
    private sealed record Queue(
        TestTenant Tenant,
        DateTimeOffset Now,
        StaffDto AgentA,
        StaffDto AgentB,
        Guid Consumer1,
        Guid Consumer2,
        ComplaintDto Old,
        ComplaintDto Late,
        ComplaintDto Soon,
        ComplaintDto Recent,
        ComplaintDto Fresh);

    private async Task<Queue> ArrangeQueueAsync()
    {
        var tenant = await CreateTenantAsync();
        var (agentA, _) = await tenant.AddStaffAsync(Role.Agent);
        var (agentB, _) = await tenant.AddStaffAsync(Role.Agent);
        var consumer1 = await tenant.RegisterConsumerAsync();
        var consumer2 = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);
        var admin = tenant.Admin;

        async Task<ComplaintDto> Step(ComplaintDto c, string step, object? body = null) =>
            await Read<ComplaintDto>(await TransitionAsync(admin, c.Id, step, c.Version, body));

        var old = await tenant.FileComplaintAsync(consumer1.Id, category: "fees", receivedAt: now.AddDays(-100));
        old = await Step(old, "resolve", new { outcome = "not_upheld" });
        var late = await tenant.FileComplaintAsync(consumer1.Id, category: "fees", receivedAt: now.AddDays(-70));
        late = await Step(late, "assign", new { assigneeId = agentA.Id });
        var soon = await tenant.FileComplaintAsync(consumer1.Id, category: "service", receivedAt: now.AddDays(-40));
        soon = await Step(soon, "acknowledge");
        var recent = await tenant.FileComplaintAsync(consumer2.Id, category: "fees", receivedAt: now.AddDays(-10));
        recent = await Step(recent, "assign", new { assigneeId = agentB.Id });
        recent = await Step(recent, "acknowledge");
        recent = await Step(recent, "start");
        var fresh = await tenant.FileComplaintAsync(consumer2.Id, category: "fraud");
        fresh = await Step(fresh, "resolve", new { outcome = "upheld" });
        return new Queue(tenant, now, agentA, agentB, consumer1.Id, consumer2.Id, old, late, soon, recent, fresh);
    }

    private static async Task<List<ComplaintSummaryDto>> ListAsync(HttpClient client, string query)
    {
        var page = await Read<Page<ComplaintSummaryDto>>(await client.GetAsync($"/v1/complaints?limit=200&{query}"));
        Assert.That(page.NextCursor, Is.Null, query);
        return [.. page.Items];
    }

    private static async Task AssertListAsync(HttpClient client, string query, params ComplaintDto[] expected)
    {
        var items = await ListAsync(client, query);
        Assert.That(items.Select(i => i.Reference), Is.EqualTo(expected.Select(e => e.Reference)),
            $"?{query}: the matching complaints, oldest received first");
    }

    [Test]
    public async Task Without_filters_the_whole_queue_comes_oldest_received_first()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, "", q.Old, q.Late, q.Soon, q.Recent, q.Fresh);

        var items = await ListAsync(q.Tenant.Admin, "");
        var late = items.Single(i => i.Id == q.Late.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(late.Status, Is.EqualTo(ComplaintStatus.Received));
            Assert.That(late.AssigneeId, Is.EqualTo(q.AgentA.Id));
            Assert.That(late.ConsumerId, Is.EqualTo(q.Consumer1));
            Assert.That(late.Category, Is.EqualTo("fees"));
            Assert.That(late.ReceivedAt, Is.EqualTo(q.Now.AddDays(-70)));
            Assert.That(late.Overdue, Is.True);
            Assert.That(late.NextDueAt, Is.LessThan(q.Now));
            Assert.That(late.Version, Is.EqualTo(q.Late.Version));
            Assert.That(items.Single(i => i.Id == q.Fresh.Id).NextDueAt, Is.Null, "a resolved complaint has nothing due");
        }
    }

    [Test]
    public async Task Status_filter()
    {
        var q = await ArrangeQueueAsync();
        var admin = q.Tenant.Admin;
        await AssertListAsync(admin, "status=received", q.Late);
        await AssertListAsync(admin, "status=acknowledged", q.Soon);
        await AssertListAsync(admin, "status=investigating", q.Recent);
        await AssertListAsync(admin, "status=resolved", q.Old, q.Fresh);
        await AssertListAsync(admin, "status=closed");
        await AssertListAsync(admin, "status=awaiting_consumer");
    }

    [Test]
    public async Task An_unknown_status_is_400_naming_status()
    {
        var tenant = await CreateTenantAsync();
        var problem = await AssertProblemAsync(await tenant.Admin.GetAsync("/v1/complaints?status=lost"), HttpStatusCode.BadRequest, "status");
        Assert.That(problem.GetProperty("errors").GetProperty("status")[0].GetString(), Does.Contain("awaiting_consumer"),
            "the message lists the allowed values");
        await AssertProblemAsync(await tenant.Admin.GetAsync("/v1/complaints?status="), HttpStatusCode.BadRequest, "status");
    }

    [Test]
    public async Task Assignee_filter()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, $"assigneeId={q.AgentA.Id}", q.Late);
        await AssertListAsync(q.Tenant.Admin, $"assigneeId={q.AgentB.Id}", q.Recent);
        await AssertListAsync(q.Tenant.Admin, $"assigneeId={Guid.NewGuid()}");
    }

    [Test]
    public async Task Category_filter_is_an_exact_match()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, "category=fees", q.Old, q.Late, q.Recent);
        await AssertListAsync(q.Tenant.Admin, "category=service", q.Soon);
        await AssertListAsync(q.Tenant.Admin, "category=fee");
        await AssertProblemAsync(await q.Tenant.Admin.GetAsync($"/v1/complaints?category={new string('c', 101)}"), HttpStatusCode.BadRequest,
            "category");
    }

    [Test]
    public async Task Consumer_filter()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, $"consumerId={q.Consumer1}", q.Old, q.Late, q.Soon);
        await AssertListAsync(q.Tenant.Admin, $"consumerId={q.Consumer2}", q.Recent, q.Fresh);
        await AssertListAsync(q.Tenant.Admin, $"consumerId={Guid.NewGuid()}");
    }

    [Test]
    public async Task DueBefore_filter_uses_the_next_binding_deadline()
    {
        var q = await ArrangeQueueAsync();
        var admin = q.Tenant.Admin;
        await AssertListAsync(admin, $"dueBefore={Query(q.Now)}", q.Late);
        await AssertListAsync(admin, $"dueBefore={Query(q.Now.AddDays(30))}", q.Late, q.Soon);
        await AssertListAsync(admin, $"dueBefore={Query(q.Now.AddDays(60))}", q.Late, q.Soon, q.Recent);
        await AssertListAsync(admin, $"dueBefore={Query(q.Now.AddDays(-30))}");

        // The same instant written with an offset means the same thing.
        var withOffset = Uri.EscapeDataString(q.Now.AddDays(30).ToOffset(TimeSpan.FromHours(2)).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        await AssertListAsync(admin, $"dueBefore={withOffset}", q.Late, q.Soon);
    }

    [Test]
    public async Task Overdue_filter_true_and_false()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, "overdue=true", q.Late);
        await AssertListAsync(q.Tenant.Admin, "overdue=false", q.Old, q.Soon, q.Recent, q.Fresh);
        await AssertListAsync(q.Tenant.Admin, "overdue=true&assigneeId=" + q.AgentA.Id, q.Late);
        await AssertListAsync(q.Tenant.Admin, "overdue=true&assigneeId=" + q.AgentB.Id);
    }

    [Test]
    public async Task Received_from_is_inclusive_and_received_to_exclusive()
    {
        var q = await ArrangeQueueAsync();
        var admin = q.Tenant.Admin;
        await AssertListAsync(admin, $"receivedFrom={Query(q.Now.AddDays(-50))}&receivedTo={Query(q.Now.AddDays(-5))}", q.Soon, q.Recent);
        await AssertListAsync(admin, $"receivedFrom={Query(q.Soon.ReceivedAt)}&receivedTo={Query(q.Recent.ReceivedAt)}", q.Soon);
        await AssertListAsync(admin, $"receivedFrom={Query(q.Now.AddDays(-80))}", q.Late, q.Soon, q.Recent, q.Fresh);
        await AssertListAsync(admin, $"receivedTo={Query(q.Now.AddDays(-80))}", q.Old);
        await AssertProblemAsync(await admin.GetAsync($"/v1/complaints?receivedFrom={Query(q.Now)}&receivedTo={Query(q.Now.AddDays(-1))}"),
            HttpStatusCode.BadRequest, "receivedFrom");
    }

    [Test]
    public async Task Filters_combine()
    {
        var q = await ArrangeQueueAsync();
        await AssertListAsync(q.Tenant.Admin, $"category=fees&consumerId={q.Consumer1}&status=received", q.Late);
        await AssertListAsync(q.Tenant.Admin, $"category=fees&consumerId={q.Consumer2}&overdue=false", q.Recent);
        await AssertListAsync(q.Tenant.Admin, "category=fraud&status=received");

        // An auditor and an agent read the same queue.
        var (_, auditor) = await q.Tenant.AddStaffAsync(Role.Auditor);
        var (_, agent) = await q.Tenant.AddStaffAsync(Role.Agent);
        await AssertListAsync(auditor, "category=fees", q.Old, q.Late, q.Recent);
        await AssertListAsync(agent, "overdue=true", q.Late);
    }

    [Test]
    public async Task Keyset_paging_walks_every_complaint_once_across_pages()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);

        // Seven complaints; three share one received instant, so the id breaks the tie across a page boundary.
        var shared = now.AddDays(-3);
        DateTimeOffset?[] received = [now.AddDays(-6), now.AddDays(-5), shared, shared, shared, now.AddDays(-1), null];
        var filed = new List<ComplaintDto>();
        foreach (var at in received)
        {
            filed.Add(await tenant.FileComplaintAsync(consumer.Id, receivedAt: at));
        }

        var pages = await ReadPagesAsync<ComplaintSummaryDto>(tenant.Admin, "/v1/complaints", 3);
        var all = pages.SelectMany(p => p).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 3, 3, 1 }));
            Assert.That(all.Select(c => c.Id), Is.Unique, "no duplicates");
            Assert.That(all.Select(c => c.Id), Is.EquivalentTo(filed.Select(c => c.Id)), "no gaps");
            Assert.That(all.Select(c => c.ReceivedAt), Is.Ordered, "oldest received first");
        }

        // Exactly a multiple of the limit: the last full page says there is no more (no empty trailing page needed).
        var exact = await ReadPagesAsync<ComplaintSummaryDto>(tenant.Admin, "/v1/complaints?category=fees", 7);
        Assert.That(exact.Select(p => p.Count), Is.EqualTo(new[] { 7 }));

        // Paging keeps the filter.
        var tied = await ReadPagesAsync<ComplaintSummaryDto>(tenant.Admin,
            $"/v1/complaints?receivedFrom={Query(shared)}&receivedTo={Query(shared.AddSeconds(1))}", 2);
        Assert.That(tied.Select(p => p.Count), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(tied.SelectMany(p => p).Select(c => c.Id), Is.EquivalentTo(filed.Skip(2).Take(3).Select(c => c.Id)));
    }

    /// <summary>
    /// A cursor issued by another list (staff, consumers and notes page by id alone) is not this list's cursor: it must
    /// be refused, not silently read as "from the start", which would send a client round the same page for ever.
    /// </summary>
    [Test]
    public async Task A_cursor_from_another_list_is_400_not_a_restart_from_the_first_page()
    {
        var tenant = await CreateTenantAsync();
        await tenant.AddStaffAsync(Role.Agent);
        var consumer = await tenant.RegisterConsumerAsync();
        await tenant.FileComplaintAsync(consumer.Id);
        await tenant.FileComplaintAsync(consumer.Id);
        var staffPage = await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=1"));
        Assert.That(staffPage.NextCursor, Is.Not.Null);

        var foreign = Uri.EscapeDataString(staffPage.NextCursor!);
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/complaints?limit=1&cursor={foreign}"), HttpStatusCode.BadRequest, "cursor");
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/audit?limit=1&cursor={foreign}"), HttpStatusCode.BadRequest, "cursor");
    }

    [TestCase("limit=0")]
    [TestCase("limit=201")]
    [TestCase("limit=-1")]
    public async Task A_limit_out_of_bounds_is_400_naming_limit(string query)
    {
        var tenant = await CreateTenantAsync();
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/complaints?{query}"), HttpStatusCode.BadRequest, "limit");
    }

    [Test]
    public async Task The_limit_bounds_themselves_are_accepted()
    {
        var tenant = await CreateTenantAsync();
        await Expect(await tenant.Admin.GetAsync("/v1/complaints?limit=1"), HttpStatusCode.OK);
        await Expect(await tenant.Admin.GetAsync("/v1/complaints?limit=200"), HttpStatusCode.OK);
    }

    [TestCase("garbage")]
    [TestCase("!!!not-base64!!!")]
    [TestCase("djF8fA")] // "v1||" : no id
    [TestCase("djJ8MXwwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA")] // "v2|1|000…": another version
    [TestCase("djF8YWJjfDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw")] // "v1|abc|000…": no instant
    public async Task A_cursor_this_service_did_not_issue_is_400_naming_cursor(string cursor)
    {
        var tenant = await CreateTenantAsync();
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/complaints?cursor={Uri.EscapeDataString(cursor)}"),
            HttpStatusCode.BadRequest, "cursor");
        await AssertProblemAsync(await tenant.Admin.GetAsync($"/v1/complaints?cursor={new string('A', 400)}"), HttpStatusCode.BadRequest,
            "cursor");
    }
}
