using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Application.Webhooks;
using Cms.Domain.Staff;
using Cms.Tests.Support;

namespace Cms.Tests.Isolation;

/// <summary>Tenant B's lists and lookups, duplicate identifiers across tenants, and the tenant taken from the token alone.</summary>
public sealed partial class CrossTenantApiTests
{
    [Test]
    public async Task Tenant_B_lists_and_lookups_never_hold_tenant_A_rows()
    {
        var w = await SeedAsync();
        var asB = w.B.Admin;
        var aAudit = await Read<Page<AuditEntryDto>>(await w.A.Admin.GetAsync("/v1/audit?limit=200"));
        Assert.That(aAudit.Items, Is.Not.Empty);
        var aIds = new HashSet<Guid>([w.AConsumer.Id, w.AComplaint.Id, w.ANote.Id, .. w.AStaffIds, .. aAudit.Items.Select(e => e.Id)]);

        var complaints = await Read<Page<ComplaintSummaryDto>>(await asB.GetAsync("/v1/complaints?limit=100"));
        Assert.That(complaints.Items.Select(c => c.Id), Is.EqualTo(new[] { w.BComplaint.Id }));
        var queues = await Read<Page<Cms.Application.Queues.QueueDto>>(await asB.GetAsync("/v1/queues?limit=100"));
        Assert.That(queues.Items.Select(q => q.Code), Is.EqualTo(new[] { "cards" }), "B's own queue only");
        Assert.That(queues.Items.Select(q => q.Id), Has.None.EqualTo(w.AQueueId));
        var inCards = await Read<Page<ComplaintSummaryDto>>(await asB.GetAsync("/v1/complaints?queue=cards"));
        Assert.That(inCards.Items.Select(c => c.Id), Is.EqualTo(new[] { w.BComplaint.Id }), "B's cards queue holds B's complaint only");
        foreach (var filter in new[] { $"consumerId={w.AConsumer.Id}", $"assigneeId={w.AAgent.Id}", "status=acknowledged" })
        {
            var filtered = await Read<Page<ComplaintSummaryDto>>(await asB.GetAsync($"/v1/complaints?{filter}"));
            Assert.That(filtered.Items, Is.Empty, filter);
        }

        var staff = await Read<Page<StaffDto>>(await asB.GetAsync("/v1/staff?limit=100"));
        Assert.That(staff.Items, Has.Count.EqualTo(3));
        Assert.That(staff.Items.Where(s => aIds.Contains(s.Id)), Is.Empty);
        Assert.That(staff.Items.Select(s => s.Id), Does.Contain(w.BAgent.Id));

        var audit = await Read<Page<AuditEntryDto>>(await asB.GetAsync("/v1/audit?limit=200"));
        Assert.That(audit.Items, Is.Not.Empty);
        Assert.That(audit.Items.Where(e => aIds.Contains(e.Id) || aIds.Contains(e.EntityId)), Is.Empty);

        foreach (var query in new[]
                 {
                     $"externalRef={Uri.EscapeDataString(w.AConsumer.ExternalRef!)}",
                     $"email={Uri.EscapeDataString(w.AConsumer.Email!)}",
                     $"email={Uri.EscapeDataString(w.AConsumer.Email!.ToUpperInvariant())}",
                 })
        {
            var found = await Read<Page<ConsumerDto>>(await asB.GetAsync($"/v1/consumers?{query}"));
            Assert.That(found.Items, Is.Empty, query);
            var own = await Read<Page<ConsumerDto>>(await w.A.Admin.GetAsync($"/v1/consumers?{query}"));
            Assert.That(own.Items.Select(c => c.Id), Is.EqualTo(new[] { w.AConsumer.Id }), $"control: A finds its consumer by {query}");
        }

        // B's change feed and webhooks hold nothing of A's, and B's feed is numbered on its own.
        var aEvents = await Read<Cms.Application.Events.EventPage>(await w.AIntegrationClient.GetAsync("/v1/events?limit=200"));
        var bEvents = await Read<Cms.Application.Events.EventPage>(await w.BIntegrationClient.GetAsync("/v1/events?limit=200"));
        Assert.That(aEvents.Items, Is.Not.Empty);
        Assert.That(bEvents.Items, Is.Not.Empty);
        Assert.That(bEvents.Items.Where(e => aIds.Contains(e.EntityId) || e.EntityId == w.A.Id || e.EntityId == w.AWebhookId), Is.Empty);
        Assert.That(bEvents.Items.Select(e => e.Id).Intersect(aEvents.Items.Select(e => e.Id)), Is.Empty);
        Assert.That(bEvents.Items.Select(e => e.Position), Is.EqualTo(Enumerable.Range(1, bEvents.Items.Count).Select(i => (long)i)));
        var bHooks = await Read<Page<WebhookDto>>(await asB.GetAsync("/v1/webhooks?limit=100"));
        Assert.That(bHooks.Items, Is.Empty);

        // Paging through B's audit trail one entry at a time never reaches A's entries either.
        var seen = new List<AuditEntryDto>();
        string? cursor = null;
        do
        {
            var page = await Read<Page<AuditEntryDto>>(await asB.GetAsync($"/v1/audit?limit=1{(cursor is null ? "" : "&cursor=" + cursor)}"));
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && seen.Count < 500);

        Assert.That(seen.Select(e => e.Id), Is.EquivalentTo(audit.Items.Select(e => e.Id)));
    }

    [Test]
    public async Task Tenant_B_may_register_a_consumer_with_the_external_reference_and_email_of_one_in_A()
    {
        var w = await SeedAsync();
        var before = await ReadAsA(w);

        // Control: inside one tenant the external reference is unique.
        var duplicate = await w.A.Admin.PostAsJsonAsync("/v1/consumers",
            new { externalRef = w.AConsumer.ExternalRef, fullName = "Someone Else", email = "else@example.test" }, Json);
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));

        var twin = await w.B.RegisterConsumerAsync(w.B.Admin, w.AConsumer.ExternalRef, w.AConsumer.Email);
        Assert.That(twin.Id, Is.Not.EqualTo(w.AConsumer.Id));
        Assert.That(twin.ExternalRef, Is.EqualTo(w.AConsumer.ExternalRef));

        var inB = await Read<Page<ConsumerDto>>(await w.B.Admin.GetAsync($"/v1/consumers?externalRef={Uri.EscapeDataString(w.AConsumer.ExternalRef!)}"));
        Assert.That(inB.Items.Select(c => c.Id), Is.EqualTo(new[] { twin.Id }));
        var byEmail = await Read<Page<ConsumerDto>>(await w.B.Admin.GetAsync($"/v1/consumers?email={Uri.EscapeDataString(w.AConsumer.Email!)}"));
        Assert.That(byEmail.Items.Select(c => c.Id), Is.EqualTo(new[] { twin.Id }));

        // B can file against its own twin; A's view of the shared reference is still only its own consumer.
        await w.B.FileComplaintAsync(twin.Id, w.B.Admin);
        await AssertAnswersLikeAMissingId(w.A.Admin, "A reading B's twin", twin.Id, id => Request(HttpMethod.Get, $"/v1/consumers/{id}"));
        var after = await ReadAsA(w);
        Assert.That(after, Is.EqualTo(before));
    }

    [Test]
    public async Task A_tenant_id_in_a_body_header_or_query_is_ignored()
    {
        var w = await SeedAsync();
        var before = await ReadAsA(w);
        var a = w.A.Id.ToString();

        HttpRequestMessage WithTenantHeaders(HttpRequestMessage request)
        {
            request.Headers.TryAddWithoutValidation("X-Tenant-Id", a);
            request.Headers.TryAddWithoutValidation("Tenant-Id", a);
            request.Headers.TryAddWithoutValidation("tenant_id", a);
            return request;
        }

        // A consumer registered by B with A's tenant id in the body and the headers lands in B.
        var registered = await w.B.Admin.SendAsync(WithTenantHeaders(Request(HttpMethod.Post, $"/v1/consumers?tenant_id={a}&tenantId={a}", new
        {
            tenantId = a,
            tenant_id = a,
            externalRef = $"B-{Guid.NewGuid():N}",
            fullName = "Planted Consumer",
            email = "planted@example.test",
        })));
        var planted = await Read<ConsumerDto>(registered, HttpStatusCode.Created);
        await Expect(await w.B.Admin.GetAsync($"/v1/consumers/{planted.Id}"), HttpStatusCode.OK);
        await AssertAnswersLikeAMissingId(w.A.Admin, "A reading the consumer B planted", planted.Id,
            id => Request(HttpMethod.Get, $"/v1/consumers/{id}"));

        // A complaint filed by B with A's tenant id in the body lands in B too.
        var filed = await Read<ComplaintDto>(await w.B.Admin.SendAsync(WithTenantHeaders(Request(HttpMethod.Post, "/v1/complaints", new
        {
            tenantId = a,
            tenant_id = a,
            consumerId = planted.Id,
            channel = "web",
            product = "current_account",
            category = "fees",
            description = "Filed with a tenant id in the body.",
        }))), HttpStatusCode.Created);
        await Expect(await w.B.Admin.GetAsync($"/v1/complaints/{filed.Id}"), HttpStatusCode.OK);
        await AssertAnswersLikeAMissingId(w.A.Admin, "A reading the complaint B planted", filed.Id,
            id => Request(HttpMethod.Get, $"/v1/complaints/{id}"));

        // Reads with A's tenant id in headers and query are still B's reads.
        await AssertAnswersLikeAMissingId(w.B.Admin, "GET A's consumer with tenant headers", w.AConsumer.Id,
            id => WithTenantHeaders(Request(HttpMethod.Get, $"/v1/consumers/{id}?tenant_id={a}&tenantId={a}")));
        await AssertAnswersLikeAMissingId(w.B.Admin, "GET A's complaint with tenant headers", w.AComplaint.Id,
            id => WithTenantHeaders(Request(HttpMethod.Get, $"/v1/complaints/{id}?tenant_id={a}&tenantId={a}")));
        var list = await Read<Page<ComplaintSummaryDto>>(await w.B.Admin.SendAsync(
            WithTenantHeaders(Request(HttpMethod.Get, $"/v1/complaints?limit=100&tenant_id={a}&tenantId={a}"))));
        Assert.That(list.Items.Select(c => c.Id), Is.EquivalentTo(new[] { w.BComplaint.Id, filed.Id }));
        var staff = await Read<Page<StaffDto>>(await w.B.Admin.SendAsync(WithTenantHeaders(Request(HttpMethod.Get, $"/v1/staff?tenant_id={a}"))));
        Assert.That(staff.Items.Where(s => w.AStaffIds.Contains(s.Id)), Is.Empty);

        Assert.That(await ReadAsA(w), Is.EqualTo(before));
    }

    [Test]
    public async Task The_tenant_comes_from_the_token_alone_and_platform_operators_read_nothing_inside_tenants()
    {
        var w = await SeedAsync();
        var before = await ReadAsA(w);
        var aStaff = await Read<Page<StaffDto>>(await w.A.Admin.GetAsync("/v1/staff?limit=100"));
        var aAdminSubject = aStaff.Items.Single(s => s.Roles.Contains(Role.TenantAdmin)).Subject;

        // A token for tenant B naming A's admin: that subject is nobody in B, so every request is refused alike.
        using var crossed = Factory.ClientWithToken(CmsApiFactory.TenantToken(w.B.Id, aAdminSubject));
        await AssertAnswersLikeAMissingId(crossed, "B token with A's subject: GET consumer", w.AConsumer.Id,
            id => Request(HttpMethod.Get, $"/v1/consumers/{id}"), HttpStatusCode.Forbidden);
        await AssertAnswersLikeAMissingId(crossed, "B token with A's subject: GET complaint", w.AComplaint.Id,
            id => Request(HttpMethod.Get, $"/v1/complaints/{id}"), HttpStatusCode.Forbidden);
        Assert.That((await crossed.GetAsync("/v1/complaints")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        // A platform operator manages tenants but reads nothing inside one.
        using var platform = Factory.ClientWithToken(CmsApiFactory.PlatformToken());
        await AssertAnswersLikeAMissingId(platform, "platform: GET consumer", w.AConsumer.Id,
            id => WithTenantHeader(Request(HttpMethod.Get, $"/v1/consumers/{id}"), w.A.Id), HttpStatusCode.Forbidden);
        await AssertAnswersLikeAMissingId(platform, "platform: GET complaint", w.AComplaint.Id,
            id => WithTenantHeader(Request(HttpMethod.Get, $"/v1/complaints/{id}?tenant_id={w.A.Id}"), w.A.Id), HttpStatusCode.Forbidden);
        Assert.That((await platform.SendAsync(WithTenantHeader(Request(HttpMethod.Get, "/v1/complaints"), w.A.Id))).StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));

        // A tenant's principal cannot read the tenant registry, whoever's id it names.
        await AssertAnswersLikeAMissingId(w.B.Admin, "B: GET A's tenant", w.A.Id, id => Request(HttpMethod.Get, $"/v1/tenants/{id}"),
            HttpStatusCode.Forbidden);

        // Side channel: B may add a staff member with A's admin's subject; that identity in B sees only B.
        var twin = await Read<StaffDto>(await w.B.Admin.PostAsJsonAsync("/v1/staff", new
        {
            subject = aAdminSubject,
            email = "twin@example.test",
            displayName = "Same Subject",
            roles = new[] { "tenant_admin" },
            kind = "user",
        }, Json), HttpStatusCode.Created);
        Assert.That(w.AStaffIds, Does.Not.Contain(twin.Id));
        var complaints = await Read<Page<ComplaintSummaryDto>>(await crossed.GetAsync("/v1/complaints?limit=100"));
        Assert.That(complaints.Items.Select(c => c.Id), Is.EqualTo(new[] { w.BComplaint.Id }));
        await AssertAnswersLikeAMissingId(crossed, "B's twin of A's admin: GET A's consumer", w.AConsumer.Id,
            id => Request(HttpMethod.Get, $"/v1/consumers/{id}"));

        Assert.That(await ReadAsA(w), Is.EqualTo(before));
    }

    [Test]
    public async Task Taxonomies_and_returns_are_the_callers_tenant_alone()
    {
        var w = await SeedAsync();
        var published = await Read<Cms.Application.Taxonomies.TaxonomyDto>(await w.A.Admin.PostAsJsonAsync("/v1/taxonomies/product/versions",
            new { entries = new[] { new { code = "a_only", label = "A's product" } } }, Json), HttpStatusCode.Created);
        Assert.That(published.Version, Is.EqualTo(1));

        // B has no product taxonomy: A's is neither readable nor enforced in B, and B's first version is its own version 1.
        var missing = await w.B.Admin.GetAsync("/v1/taxonomies/product");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await w.B.Admin.GetAsync("/v1/taxonomies/product/versions/1")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var free = await Read<ComplaintDto>(await w.B.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = w.BConsumer.Id, channel = "web", product = "b_product", category = "fees", description = "B's own.",
        }, Json), HttpStatusCode.Created);
        Assert.That(free.ProductVersion, Is.Null);
        var bVersion = await Read<Cms.Application.Taxonomies.TaxonomyDto>(await w.B.Admin.PostAsJsonAsync("/v1/taxonomies/product/versions",
            new { entries = new[] { new { code = "b_product", label = "B's product" } } }, Json), HttpStatusCode.Created);
        Assert.That(bVersion.Version, Is.EqualTo(1));
        var aStill = await Read<Cms.Application.Taxonomies.TaxonomyDto>(await w.A.Admin.GetAsync("/v1/taxonomies/product"));
        Assert.That(aStill.Entries.Select(e => e.Code), Is.EqualTo(new[] { "a_only" }));

        // B's return counts B's complaints only.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var period = $"from={today.AddDays(-2):yyyy-MM-dd}&to={today.AddDays(2):yyyy-MM-dd}";
        var bReport = await Read<Cms.Application.Reports.ComplaintsReportDto>(await w.B.Admin.GetAsync($"/v1/reports/complaints?{period}"));
        var aReport = await Read<Cms.Application.Reports.ComplaintsReportDto>(await w.A.Admin.GetAsync($"/v1/reports/complaints?{period}"));
        Assert.That((aReport.Totals.Opened, bReport.Totals.Opened), Is.EqualTo((1L, 2L)));
    }

    private static HttpRequestMessage WithTenantHeader(HttpRequestMessage request, Guid tenantId)
    {
        request.Headers.TryAddWithoutValidation("X-Tenant-Id", tenantId.ToString());
        return request;
    }
}
