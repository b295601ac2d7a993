using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Staff;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>/v1/staff: adding users and service accounts, listing, replacing roles, deactivating, and the role rules.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class StaffApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static object NewStaff(string subject, string kind, params Role[] roles) =>
        new { subject, email = $"{subject.Trim()}@Example.TEST", displayName = $"  {subject} Display  ", roles, kind };

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<StaffDto> AdminSelfAsync(TestTenant tenant)
    {
        var page = await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"));
        return page.Items.Single(s => s.Roles.Contains(Role.TenantAdmin));
    }

    [Test]
    public async Task A_tenant_admin_adds_a_user_and_a_service_account_who_can_then_call_the_api()
    {
        var tenant = await CreateTenantAsync();
        var userSubject = Unique("user");
        var userResponse = await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(userSubject, "user", Role.Agent, Role.Auditor));
        var user = await Read<StaffDto>(userResponse, HttpStatusCode.Created);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(userResponse.Headers.Location?.ToString(), Is.EqualTo($"/v1/staff/{user.Id}"));
            Assert.That(user.Subject, Is.EqualTo(userSubject));
            Assert.That(user.Email, Is.EqualTo($"{userSubject}@example.test"), "e-mail normalised");
            Assert.That(user.DisplayName, Is.EqualTo($"{userSubject} Display"), "display name trimmed");
            Assert.That(user.Kind, Is.EqualTo(StaffKind.User));
            Assert.That(user.Roles, Is.EquivalentTo(new[] { Role.Agent, Role.Auditor }));
            Assert.That(user.IsActive, Is.True);
            Assert.That(user.Version, Is.EqualTo(1));
        }

        var serviceSubject = Unique("svc");
        var service = await Read<StaffDto>(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff",
            NewStaff(serviceSubject, "service_account", Role.Integration)), HttpStatusCode.Created);
        Assert.That(service.Kind, Is.EqualTo(StaffKind.ServiceAccount));
        Assert.That(service.Roles, Is.EqualTo(new[] { Role.Integration }));

        // Both exist for the API from their next request on, with the roles just given.
        using var userClient = Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, userSubject));
        using var serviceClient = Factory.ClientWithToken(CmsApiFactory.TenantToken(tenant.Id, serviceSubject));
        await Expect(await userClient.GetAsync("/v1/audit"), HttpStatusCode.OK);
        await Expect(await serviceClient.SendAsync(HttpMethod.Post, "/v1/consumers", new { externalRef = Unique("EXT"), fullName = "Svc Made" }),
            HttpStatusCode.Created);

        var audit = await AuditAsync(tenant.Admin);
        var added = audit.Where(a => a.Action == "staff.added").Select(a => a.EntityId).ToList();
        Assert.That(added, Is.SupersetOf(new[] { user.Id, service.Id }));
        Assert.That(audit.Single(a => a.EntityId == user.Id).ChangedFields, Is.EquivalentTo(new[] { "subject", "email", "displayName", "kind", "roles" }));
    }

    [Test]
    public async Task A_duplicate_subject_is_409_and_adds_nobody()
    {
        var tenant = await CreateTenantAsync();
        var subject = Unique("dup");
        await Expect(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(subject, "user", Role.Agent)), HttpStatusCode.Created);
        var before = await AuditCountAsync(tenant.Admin);

        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(subject, "user", Role.Supervisor)),
            HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff($"  {subject} ", "user", Role.Agent)),
            HttpStatusCode.Conflict);

        // The first admin's own subject is taken too.
        var self = await AdminSelfAsync(tenant);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(self.Subject, "user", Role.Agent)),
            HttpStatusCode.Conflict);

        // The same subject in another tenant is another person.
        var other = await CreateTenantAsync("Other Bank");
        await Expect(await other.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(subject, "user", Role.Agent)), HttpStatusCode.Created);

        var list = await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"));
        Assert.That(list.Items.Count(s => s.Subject == subject), Is.EqualTo(1));
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
    }

    [Test]
    public async Task Listing_pages_through_every_staff_member_once()
    {
        var tenant = await CreateTenantAsync();
        var added = new List<StaffDto>();
        foreach (var role in new[] { Role.Agent, Role.Agent, Role.Supervisor, Role.Auditor })
        {
            added.Add((await tenant.AddStaffAsync(role)).Staff);
        }

        added.Add((await tenant.AddStaffAsync(Role.Integration)).Staff);
        var self = await AdminSelfAsync(tenant);

        var pages = await ReadPagesAsync<StaffDto>(tenant.Admin, "/v1/staff", 2);
        var all = pages.SelectMany(p => p).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 2, 2, 2 }));
            Assert.That(all.Select(s => s.Id), Is.Unique);
            Assert.That(all.Select(s => s.Id), Is.EquivalentTo(added.Select(s => s.Id).Append(self.Id)));
        }

        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var bySupervisor = await ReadPagesAsync<StaffDto>(supervisor, "/v1/staff", 4);
        Assert.That(bySupervisor.Select(p => p.Count), Is.EqualTo(new[] { 4, 3 }));

        await AssertProblemAsync(await tenant.Admin.GetAsync("/v1/staff?limit=0"), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await tenant.Admin.GetAsync("/v1/staff?limit=201"), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await tenant.Admin.GetAsync("/v1/staff?cursor=nonsense"), HttpStatusCode.BadRequest, "cursor");
    }

    [Test]
    public async Task Replacing_roles_with_and_without_If_Match()
    {
        var tenant = await CreateTenantAsync();
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);

        // Without If-Match: any version.
        var v2 = await Read<StaffDto>(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = new[] { Role.Supervisor } }));
        Assert.That(v2.Roles, Is.EqualTo(new[] { Role.Supervisor }));
        Assert.That(v2.Version, Is.EqualTo(agent.Version + 1));

        // With the current version.
        var v3 = await Read<StaffDto>(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = new[] { Role.Agent, Role.Auditor } }, ifMatch: v2.Version));
        Assert.That(v3.Roles, Is.EquivalentTo(new[] { Role.Agent, Role.Auditor }));
        Assert.That(v3.Version, Is.EqualTo(v2.Version + 1));

        // With a stale one: 412, nothing changes.
        var before = await AuditCountAsync(tenant.Admin);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = new[] { Role.TenantAdmin } }, ifMatch: v2.Version), HttpStatusCode.PreconditionFailed);
        var now = (await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"))).Items.Single(s => s.Id == agent.Id);
        Assert.That(now.Roles, Is.EquivalentTo(new[] { Role.Agent, Role.Auditor }));
        Assert.That(now.Version, Is.EqualTo(v3.Version));
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));

        // An If-Match that is no ETag of ours is 400.
        using var bad = Raw(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles", """{"roles":["agent"]}""", ifMatch: "W/\"3\"");
        await AssertProblemAsync(await tenant.Admin.SendAsync(bad), HttpStatusCode.BadRequest, "If-Match");

        // An unknown staff id is 404.
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{Guid.NewGuid()}/roles",
            new { roles = new[] { Role.Agent } }), HttpStatusCode.NotFound);

        var audit = await AuditAsync(tenant.Admin);
        Assert.That(audit.Where(a => a.EntityId == agent.Id && a.Action == "staff.roles_replaced").ToList(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Deactivating_a_staff_member()
    {
        var tenant = await CreateTenantAsync();
        var (agent, agentClient) = await tenant.AddStaffAsync(Role.Agent);

        var stale = await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/staff/{agent.Id}/deactivate", ifMatch: agent.Version + 5);
        await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        await Expect(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.OK);

        var deactivated = await Read<StaffDto>(await tenant.Admin.SendAsync(HttpMethod.Post, $"/v1/staff/{agent.Id}/deactivate",
            ifMatch: agent.Version));
        Assert.That(deactivated.IsActive, Is.False);
        Assert.That(deactivated.Version, Is.EqualTo(agent.Version + 1));
        await AssertProblemAsync(await agentClient.GetAsync("/v1/complaints"), HttpStatusCode.Forbidden);

        // Still listed (kept for the record), inactive; a second deactivation and a role change are conflicts.
        var listed = (await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"))).Items.Single(s => s.Id == agent.Id);
        Assert.That(listed.IsActive, Is.False);
        await AssertProblemAsync(await tenant.Admin.PostAsync($"/v1/staff/{agent.Id}/deactivate", null), HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = new[] { Role.Supervisor } }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.PostAsync($"/v1/staff/{Guid.NewGuid()}/deactivate", null), HttpStatusCode.NotFound);

        var audit = await AuditAsync(tenant.Admin);
        var entry = audit.Single(a => a.EntityId == agent.Id && a.Action == "staff.deactivated");
        Assert.That(entry.ChangedFields, Is.EqualTo(new[] { "isActive" }));
    }

    [Test]
    public async Task An_admin_cannot_lock_themselves_out()
    {
        var tenant = await CreateTenantAsync();
        var self = await AdminSelfAsync(tenant);

        await AssertProblemAsync(await tenant.Admin.PostAsync($"/v1/staff/{self.Id}/deactivate", null), HttpStatusCode.Conflict);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{self.Id}/roles",
            new { roles = new[] { Role.Supervisor } }), HttpStatusCode.Conflict);
        await Expect(await tenant.Admin.GetAsync("/v1/staff"), HttpStatusCode.OK);

        // Keeping tenant_admin while adding another role is fine.
        var widened = await Read<StaffDto>(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{self.Id}/roles",
            new { roles = new[] { Role.TenantAdmin, Role.Supervisor } }));
        Assert.That(widened.Roles, Is.EquivalentTo(new[] { Role.TenantAdmin, Role.Supervisor }));
        Assert.That(widened.IsActive, Is.True);

        // Another admin may do what one cannot do to oneself, and the demoted admin is refused at once.
        var (second, secondClient) = await tenant.AddStaffAsync(Role.TenantAdmin);
        var demoted = await Read<StaffDto>(await secondClient.SendAsync(HttpMethod.Put, $"/v1/staff/{self.Id}/roles",
            new { roles = new[] { Role.Supervisor } }));
        Assert.That(demoted.Roles, Is.EqualTo(new[] { Role.Supervisor }));
        await AssertProblemAsync(await tenant.Admin.PostAsync($"/v1/staff/{second.Id}/deactivate", null), HttpStatusCode.Forbidden);
    }

    [TestCase("service_account", new[] { Role.Integration, Role.Agent }, TestName = "A service account with integration and more")]
    [TestCase("service_account", new[] { Role.Agent }, TestName = "A service account without integration")]
    [TestCase("user", new[] { Role.Integration }, TestName = "A user with integration")]
    [TestCase("user", new[] { Role.Agent, Role.Integration }, TestName = "A user with integration among other roles")]
    [TestCase("user", new Role[0], TestName = "No roles")]
    public async Task Role_rules_are_400_naming_roles(string staffKind, Role[] roles)
    {
        var tenant = await CreateTenantAsync();
        var before = await AuditCountAsync(tenant.Admin);
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff", NewStaff(Unique("bad"), staffKind, roles)),
            HttpStatusCode.BadRequest, "roles");
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
    }

    [Test]
    public async Task Role_rules_hold_when_roles_are_replaced_too()
    {
        var tenant = await CreateTenantAsync();
        var (service, _) = await tenant.AddStaffAsync(Role.Integration);
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);

        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{service.Id}/roles",
            new { roles = new[] { Role.Agent } }), HttpStatusCode.BadRequest, "roles");
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{service.Id}/roles",
            new { roles = new[] { Role.Integration, Role.Auditor } }), HttpStatusCode.BadRequest, "roles");
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = new[] { Role.Integration } }), HttpStatusCode.BadRequest, "roles");
        await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles",
            new { roles = Array.Empty<Role>() }), HttpStatusCode.BadRequest, "roles");
        using var unknownRole = Raw(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles", """{"roles":["agent","superuser"]}""");
        await AssertProblemAsync(await tenant.Admin.SendAsync(unknownRole), HttpStatusCode.BadRequest, "roles[1]");

        var list = (await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"))).Items;
        Assert.That(list.Single(s => s.Id == service.Id).Version, Is.EqualTo(service.Version));
        Assert.That(list.Single(s => s.Id == agent.Id).Version, Is.EqualTo(agent.Version));
    }

    [Test]
    public async Task Adding_staff_validates_every_field()
    {
        var tenant = await CreateTenantAsync();
        var before = await AuditCountAsync(tenant.Admin);
        var problem = await AssertProblemAsync(await tenant.Admin.SendAsync(HttpMethod.Post, "/v1/staff",
            new { subject = " ", email = "not-an-email", displayName = new string('d', 201), roles = new[] { Role.Agent } }),
            HttpStatusCode.BadRequest);
        Assert.That(ErrorFields(problem), Is.SupersetOf(new[] { "subject", "email", "displayName", "kind" }));

        using var unknownKind = Raw(HttpMethod.Post, "/v1/staff",
            """{"subject":"s-1","email":"s@example.test","displayName":"S","roles":["agent"],"kind":"robot"}""");
        await AssertProblemAsync(await tenant.Admin.SendAsync(unknownKind), HttpStatusCode.BadRequest, "kind");
        Assert.That(await AuditCountAsync(tenant.Admin), Is.EqualTo(before));
    }

    [Test]
    public async Task Staff_changes_are_in_the_audit_trail_in_order()
    {
        var tenant = await CreateTenantAsync();
        var (agent, _) = await tenant.AddStaffAsync(Role.Agent);
        await Expect(await tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{agent.Id}/roles", new { roles = new[] { Role.Supervisor } }),
            HttpStatusCode.OK);
        await Expect(await tenant.Admin.PostAsJsonAsync($"/v1/staff/{agent.Id}/deactivate", new { }), HttpStatusCode.OK);

        var audit = await AuditAsync(tenant.Admin);
        Assert.That(audit.Where(a => a.EntityId == agent.Id).Select(a => a.Action),
            Is.EqualTo(new[] { "staff.added", "staff.roles_replaced", "staff.deactivated" }));
        var self = await AdminSelfAsync(tenant);
        Assert.That(audit.Where(a => a.EntityId == agent.Id).Select(a => a.ActorId), Is.All.EqualTo(self.Id.ToString()));
    }
}
