using System.Net;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Application.Staff;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// The service keeps a tenant's reference data (taxonomies, closure days, clock settings, legal entities, queues, staff
/// members read by id) in memory
/// under the stamp the caller's statement reads on every request (issue 17, docs/adr/0011): a change made through
/// ANOTHER instance on the same database takes effect on this one from its very next request, with this instance's cache
/// warm beforehand. The caller's own row is read on every request, so a deactivation or a role change made elsewhere
/// takes effect at once too (security.md).
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ReferenceDataAcrossInstancesApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static string TokenOf(HttpClient client) => client.DefaultRequestHeaders.Authorization!.Parameter!;

    private static object Filing(Guid consumerId, string category = "fees", DateTimeOffset? receivedAt = null) => new
    {
        consumerId,
        channel = "web",
        product = "current_account",
        category,
        description = "Charged twice for the same transfer.",
        receivedAt,
    };

    private static Task<HttpResponseMessage> FileAsync(HttpClient client, object body) => client.PostAsJsonAsync("/v1/complaints", body, Json);

    [Test]
    public async Task A_category_taxonomy_published_through_another_instance_applies_to_the_next_filing_here()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var first = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Filing(consumer.Id)), HttpStatusCode.Created); // warm here
        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));

        await Expect(await elsewhere.PostAsJsonAsync("/v1/taxonomies/category/versions",
            new { entries = new[] { new { code = "billing", label = "Billing" } } }, Json), HttpStatusCode.Created);

        await AssertProblemAsync(await FileAsync(tenant.Admin, Filing(consumer.Id)), HttpStatusCode.BadRequest, "category");
        var billed = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Filing(consumer.Id, "billing")), HttpStatusCode.Created);
        Assert.That(billed.CategoryVersion, Is.GreaterThan(first.CategoryVersion ?? 0));
    }

    [Test]
    public async Task A_closure_day_added_through_another_instance_moves_the_next_filings_deadlines_here()
    {
        var tenant = await CreateTenantAsync("Closure Bank", "banking", "US");
        var consumer = await tenant.RegisterConsumerAsync();
        var receivedAt = Seconds(DateTimeOffset.UtcNow.AddDays(-2));
        object Body() => new { consumerId = consumer.Id, channel = "web", product = "p", category = "c", description = "d", receivedAt, paymentServices = true };
        var before = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Body()), HttpStatusCode.Created); // warm here
        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));
        var calendar = RegulatoryProfiles.UsBanking.Calendar;
        var firstBusinessDay = calendar.AddBusinessDays(calendar.LocalDate(receivedAt), 1);

        await Expect(await elsewhere.PutAsJsonAsync($"/v1/calendar/closure-days/{firstBusinessDay:yyyy-MM-dd}", new { name = "Closed" }, Json),
            HttpStatusCode.OK);

        var after = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Body()), HttpStatusCode.Created);
        Assert.That(after.Deadlines.Single(d => d.Kind == DeadlineKind.ErrorInvestigation).DueAt,
            Is.GreaterThan(before.Deadlines.Single(d => d.Kind == DeadlineKind.ErrorInvestigation).DueAt));
    }

    [Test]
    public async Task Clock_settings_saved_through_another_instance_give_the_next_filing_here_its_internal_sla()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var before = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Filing(consumer.Id)), HttpStatusCode.Created); // warm here
        Assert.That(before.Deadlines.Select(d => d.Kind), Has.No.Member(DeadlineKind.InternalSla));
        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));

        await Expect(await elsewhere.PutAsJsonAsync("/v1/settings/clocks",
            new { internalSla = new { amount = 5, unit = "business_days" }, atRiskDays = 3 }, Json), HttpStatusCode.OK);

        var after = await Read<ComplaintDto>(await FileAsync(tenant.Admin, Filing(consumer.Id)), HttpStatusCode.Created);
        Assert.That(after.Deadlines.Select(d => d.Kind), Has.Member(DeadlineKind.InternalSla));
    }

    [Test]
    public async Task A_deactivation_and_a_role_change_made_through_another_instance_take_effect_here_at_once()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var (supervisor, supervisorClient) = await tenant.AddStaffAsync(Role.Supervisor);
        var (agent, agentClient) = await tenant.AddStaffAsync(Role.Agent);
        await Read<ComplaintDto>(await FileAsync(supervisorClient, Filing(consumer.Id)), HttpStatusCode.Created); // warm here
        await Expect(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.OK);
        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));

        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Put, $"/v1/staff/{supervisor.Id}/roles", new { roles = new[] { Role.Auditor } }));
        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Post, $"/v1/staff/{agent.Id}/deactivate", ifMatch: agent.Version));

        await AssertProblemAsync(await FileAsync(supervisorClient, Filing(consumer.Id)), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.Forbidden);
    }

    /// <summary>
    /// A query here is decided on the caller as this instance last read them while their row is read again in front of the
    /// query (docs/adr/0026): a role changed elsewhere drops that answer and decides the request again on the row as read
    /// now, in both directions (a role lost refuses at once, a role given back allows at once), and an answer run again
    /// is the complaint as it is.
    /// </summary>
    [Test]
    public async Task A_query_decided_on_the_caller_as_cached_here_is_decided_again_when_their_roles_changed_elsewhere()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        var (member, client) = await tenant.AddStaffAsync(Role.Supervisor);
        for (var i = 0; i < 2; i++)
        {
            await Expect(await client.GetAsync("/v1/staff"), HttpStatusCode.OK); // warm here
            await Expect(await client.GetAsync($"/v1/complaints/{complaint.Id}"), HttpStatusCode.OK);
        }

        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));
        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Put, $"/v1/staff/{member.Id}/roles", new { roles = new[] { Role.Agent } }));

        await AssertProblemAsync(await client.GetAsync("/v1/staff"), HttpStatusCode.Forbidden);
        var read = await client.GetStringAsync($"/v1/complaints/{complaint.Id}");
        Assert.That(read, Is.EqualTo(await tenant.Admin.GetStringAsync($"/v1/complaints/{complaint.Id}")), "an agent reads the complaint");

        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Put, $"/v1/staff/{member.Id}/roles", new { roles = new[] { Role.Supervisor } }));
        await Expect(await client.GetAsync("/v1/staff"), HttpStatusCode.OK);
        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Post, $"/v1/staff/{member.Id}/deactivate"));
        await AssertProblemAsync(await client.GetAsync($"/v1/complaints/{complaint.Id}"), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task An_assignee_deactivated_and_a_queue_retired_through_another_instance_are_refused_here_at_once()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);
        var (colleague, _) = await tenant.AddStaffAsync(Role.Agent);
        var cards = await tenant.CreateQueueAsync("cards");
        var complaint = await tenant.FileComplaintAsync(consumer.Id);
        // Warm here: the assignee and the queue are read once, and kept under the tenant's reference stamp.
        complaint = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaint.Id, "assign", complaint.Version, new { assigneeId = agent.Id }));
        complaint = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaint.Id, "assign", complaint.Version, new { assigneeId = colleague.Id }));
        complaint = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaint.Id, "queue", complaint.Version, new { queue = cards.Code }));
        complaint = await Read<ComplaintDto>(await TransitionAsync(tenant.Admin, complaint.Id, "queue", complaint.Version, new { queue = (string?)null }));
        await using var other = new CmsApiFactory(Db);
        var elsewhere = other.ClientWithToken(TokenOf(tenant.Admin));

        await Read<StaffDto>(await elsewhere.SendAsync(HttpMethod.Post, $"/v1/staff/{agent.Id}/deactivate", ifMatch: agent.Version));
        await Expect(await elsewhere.SendAsync(HttpMethod.Post, $"/v1/queues/{cards.Id}/retire", ifMatch: cards.Version), HttpStatusCode.OK);

        await AssertProblemAsync(await TransitionAsync(tenant.Admin, complaint.Id, "assign", complaint.Version, new { assigneeId = agent.Id }),
            HttpStatusCode.Conflict);
        await AssertProblemAsync(await TransitionAsync(tenant.Admin, complaint.Id, "queue", complaint.Version, new { queue = cards.Code }),
            HttpStatusCode.Conflict);
        Assert.That((await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{complaint.Id}"))).Version, Is.EqualTo(complaint.Version));
    }
}
