using System.Net;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

public sealed partial class PermissionMatrixApiTests
{
    [TestCaseSource(nameof(UseCases))]
    public async Task Every_role_and_a_platform_operator_get_what_the_matrix_says(UseCase useCase)
    {
        var rows = Rows.Where(r => r.UseCase == useCase).ToList();
        Assert.That(rows, Is.Not.Empty, $"No request row for {useCase}: add one to PermissionMatrixApiTests.Rows.");

        var world = await World.CreateAsync(this);
        foreach (var row in rows)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                using var request = await row.Build(world);
                var auditBefore = await AuditCountAsync(world.Tenant.Admin);
                var response = await world.Clients[caller].SendAsync(request);
                var what = $"{row} as {caller}";
                if (Allowed(useCase, caller))
                {
                    Assert.That(response.StatusCode, Is.EqualTo(row.Success), $"{what}: {await response.Content.ReadAsStringAsync()}");
                }
                else
                {
                    var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
                    Assert.That(StringOf(problem, "detail"), Is.Not.Null.And.Not.Empty, what);
                    Assert.That(await AuditCountAsync(world.Tenant.Admin), Is.EqualTo(auditBefore), $"{what}: a refused request wrote something");
                }
            }
        }
    }

    [Test]
    public async Task An_agent_acts_only_on_complaints_assigned_to_them_or_unassigned_in_their_queues()
    {
        var world = await World.CreateAsync(this);
        var agent = world.Clients[Caller.Agent];
        var me = world.Staff[Role.Agent];
        var (colleague, _) = await world.Tenant.AddStaffAsync(Role.Agent);

        // Assigned to a colleague: every step, a note, and taking it over are refused, and nothing changes.
        var theirs = await world.ComplaintAsync(ComplaintStatus.Received);
        theirs = await Read<ComplaintDto>(await TransitionAsync(world.Tenant.Admin, theirs.Id, "assign", theirs.Version, new { assigneeId = colleague.Id }));
        var auditBefore = await AuditCountAsync(world.Tenant.Admin);
        foreach (var (step, body) in new (string, object?)[]
                 {
                     ("acknowledge", null), ("resolve", new { outcome = "upheld" }), ("assign", new { assigneeId = me.Id }),
                 })
        {
            var refused = await TransitionAsync(agent, theirs.Id, step, theirs.Version, body);
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden);
        }

        await AssertProblemAsync(await agent.SendAsync(HttpMethod.Post, $"/v1/complaints/{theirs.Id}/notes",
            new { kind = "internal", body = "Not mine." }), HttpStatusCode.Forbidden);
        var unchanged = await Read<ComplaintDto>(await agent.GetAsync($"/v1/complaints/{theirs.Id}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(unchanged.Version, Is.EqualTo(theirs.Version), "reading is allowed, changing is not");
            Assert.That(unchanged.AssigneeId, Is.EqualTo(colleague.Id));
            Assert.That(unchanged.Status, Is.EqualTo(ComplaintStatus.Received));
            Assert.That(await AuditCountAsync(world.Tenant.Admin), Is.EqualTo(auditBefore));
        }

        // Unassigned: the agent may not hand it to a colleague, but may take it and then work it.
        var open = await world.ComplaintAsync(ComplaintStatus.Received);
        await AssertProblemAsync(await TransitionAsync(agent, open.Id, "assign", open.Version, new { assigneeId = colleague.Id }),
            HttpStatusCode.Forbidden);
        open = await Read<ComplaintDto>(await TransitionAsync(agent, open.Id, "assign", open.Version, new { assigneeId = me.Id }));
        Assert.That(open.AssigneeId, Is.EqualTo(me.Id));
        open = await Read<ComplaintDto>(await TransitionAsync(agent, open.Id, "acknowledge", open.Version));
        await Expect(await agent.SendAsync(HttpMethod.Post, $"/v1/complaints/{open.Id}/notes", new { kind = "internal", body = "Mine." }),
            HttpStatusCode.Created);

        // Unassigned but in a queue they do not work, or in no queue at all (supervisors route those): refused, nothing written.
        await world.Tenant.CreateQueueAsync("elsewhere");
        var elsewhere = await world.ComplaintAsync(ComplaintStatus.Received, "elsewhere");
        var unrouted = await world.ComplaintAsync(ComplaintStatus.Received, queue: null);
        auditBefore = await AuditCountAsync(world.Tenant.Admin);
        foreach (var other in new[] { elsewhere, unrouted })
        {
            var refused = await AssertProblemAsync(await TransitionAsync(agent, other.Id, "assign", other.Version, new { assigneeId = me.Id }),
                HttpStatusCode.Forbidden);
            Assert.That(refused.GetProperty("detail").GetString(),
                Is.EqualTo("An agent acts only on complaints assigned to them or unassigned in one of their queues."));
            await AssertProblemAsync(await TransitionAsync(agent, other.Id, "acknowledge", other.Version), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await agent.SendAsync(HttpMethod.Post, $"/v1/complaints/{other.Id}/notes",
                new { kind = "internal", body = "Not my queue." }), HttpStatusCode.Forbidden);
        }

        Assert.That(await AuditCountAsync(world.Tenant.Admin), Is.EqualTo(auditBefore));
        Assert.That((await Read<ComplaintDto>(await TransitionAsync(world.Clients[Caller.Supervisor], unrouted.Id, "acknowledge",
            unrouted.Version))).Status, Is.EqualTo(ComplaintStatus.Acknowledged), "a supervisor handles an unassigned complaint in no queue");

        // Moved into the agent's queue by a supervisor, it is the agent's to pick up.
        var routed = await Read<ComplaintDto>(await TransitionAsync(world.Clients[Caller.Supervisor], elsewhere.Id, "queue", elsewhere.Version,
            new { queue = World.QueueCode }));
        await Expect(await TransitionAsync(agent, routed.Id, "acknowledge", routed.Version), HttpStatusCode.OK);

        // Once it is theirs, the agent may not pass it on either; a supervisor may.
        await AssertProblemAsync(await TransitionAsync(agent, open.Id, "assign", open.Version, new { assigneeId = colleague.Id }),
            HttpStatusCode.Forbidden);
        var moved = await Read<ComplaintDto>(await TransitionAsync(world.Clients[Caller.Supervisor], open.Id, "assign", open.Version,
            new { assigneeId = colleague.Id }));
        Assert.That(moved.AssigneeId, Is.EqualTo(colleague.Id));
        await AssertProblemAsync(await TransitionAsync(agent, moved.Id, "start", moved.Version), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_deactivated_staff_member_is_refused_on_their_next_request()
    {
        var world = await World.CreateAsync(this);
        var agent = world.Clients[Caller.Agent];
        await Expect(await agent.GetAsync("/v1/complaints"), HttpStatusCode.OK);

        await Expect(await world.Tenant.Admin.PostAsync($"/v1/staff/{world.Staff[Role.Agent].Id}/deactivate", null), HttpStatusCode.OK);

        await AssertProblemAsync(await agent.GetAsync("/v1/complaints"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await agent.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef = Unique("EXT"), fullName = "Late Write" }), HttpStatusCode.Forbidden);
        var integration = world.Clients[Caller.Integration];
        await Expect(await world.Tenant.Admin.PostAsync($"/v1/staff/{world.Staff[Role.Integration].Id}/deactivate", null), HttpStatusCode.OK);
        await AssertProblemAsync(await integration.GetAsync($"/v1/consumers/{world.Consumer.Id}"), HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task A_removed_role_takes_effect_on_the_next_request()
    {
        var world = await World.CreateAsync(this);
        var supervisor = world.Clients[Caller.Supervisor];
        var staff = world.Staff[Role.Supervisor];
        await Expect(await supervisor.GetAsync("/v1/staff"), HttpStatusCode.OK);

        await Expect(await world.Tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{staff.Id}/roles", new { roles = new[] { Role.Auditor } }),
            HttpStatusCode.OK);

        await AssertProblemAsync(await supervisor.GetAsync("/v1/staff"), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await supervisor.SendAsync(HttpMethod.Post, "/v1/consumers",
            new { externalRef = Unique("EXT"), fullName = "Late Write" }), HttpStatusCode.Forbidden);
        await Expect(await supervisor.GetAsync("/v1/audit"), HttpStatusCode.OK);

        // And a granted role at once too.
        await Expect(await world.Tenant.Admin.SendAsync(HttpMethod.Put, $"/v1/staff/{staff.Id}/roles",
            new { roles = new[] { Role.Supervisor, Role.Auditor } }), HttpStatusCode.OK);
        await Expect(await supervisor.GetAsync("/v1/staff"), HttpStatusCode.OK);
    }

    [Test]
    public async Task No_token_or_an_untrusted_token_is_401()
    {
        var world = await World.CreateAsync(this);
        var subject = world.Staff[Role.TenantAdmin].Subject;
        var claims = TestTokens.Tenant(world.Tenant.Id, subject);
        var tokens = new Dictionary<string, string?>
        {
            ["no token"] = null,
            ["another signing key"] = TestTokens.Issue(claims, signingKey: TestTokens.OtherKey),
            ["another issuer"] = TestTokens.Issue(claims, issuer: "someone-else"),
            ["another audience"] = TestTokens.Issue(claims, audience: "another-service"),
            ["expired"] = TestTokens.Issue(claims, notBefore: DateTime.UtcNow.AddHours(-3), expires: DateTime.UtcNow.AddHours(-2)),
            ["not a JWT"] = "not-a-jwt",
            ["a malformed tenant_id"] = TestTokens.Issue([new("sub", subject), new("tenant_id", "not-a-guid")]),
        };

        // The same admin with a good token is fine, so each 401 below is about the token alone.
        await Expect(await world.Tenant.Admin.GetAsync("/v1/staff"), HttpStatusCode.OK);
        foreach (var (name, token) in tokens)
        {
            using var client = Factory.ClientWithToken(token);
            foreach (var path in new[] { "/v1/staff", "/v1/complaints", $"/v1/tenants/{world.Tenant.Id}" })
            {
                var response = await client.GetAsync(path);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{name} on {path}");
                await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
            }

            var write = await client.SendAsync(HttpMethod.Post, "/v1/consumers", new { externalRef = Unique("EXT"), fullName = "X" });
            Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{name} on POST /v1/consumers");
        }

        Assert.That((await AuditAsync(world.Tenant.Admin)).Where(a => a.Action == "consumer.registered").ToList(), Has.Count.EqualTo(1),
            "only the world's own consumer");
    }

    [Test]
    public async Task A_platform_token_on_tenant_routes_is_403_and_a_tenant_token_on_tenant_administration_is_403()
    {
        var world = await World.CreateAsync(this);
        var complaint = await world.ComplaintAsync(ComplaintStatus.Received);
        var platform = world.Clients[Caller.Platform];
        foreach (var path in new[]
                 {
                     "/v1/staff", "/v1/complaints", $"/v1/complaints/{complaint.Id}", $"/v1/consumers/{world.Consumer.Id}",
                     $"/v1/consumers?externalRef={world.Consumer.ExternalRef}", "/v1/audit", $"/v1/complaints/{complaint.Id}/history",
                 })
        {
            await AssertProblemAsync(await platform.GetAsync(path), HttpStatusCode.Forbidden);
        }

        await AssertProblemAsync(await TransitionAsync(platform, complaint.Id, "acknowledge", complaint.Version), HttpStatusCode.Forbidden);

        // A platform token that also names a tenant is a tenant token, not a platform one.
        var both = TestTokens.Issue([.. TestTokens.Tenant(world.Tenant.Id, world.Staff[Role.TenantAdmin].Subject), new("scope", "cms.platform")]);
        using var mixed = Factory.ClientWithToken(both);
        await AssertProblemAsync(await mixed.GetAsync($"/v1/tenants/{world.Tenant.Id}"), HttpStatusCode.Forbidden);

        foreach (var caller in Enum.GetValues<Caller>().Where(c => c != Caller.Platform))
        {
            var client = world.Clients[caller];
            await AssertProblemAsync(await client.GetAsync($"/v1/tenants/{world.Tenant.Id}"), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await client.SendAsync(HttpMethod.Post, "/v1/tenants", new
            {
                name = "Rogue Bank",
                sector = "banking",
                jurisdiction = "UK",
                admin = new { subject = Unique("admin"), email = "rogue@example.test", displayName = "Rogue" },
            }), HttpStatusCode.Forbidden);
        }

        await Expect(await platform.GetAsync($"/v1/tenants/{world.Tenant.Id}"), HttpStatusCode.OK);
    }

    [Test]
    public async Task A_subject_who_is_not_staff_of_the_tenant_is_403()
    {
        var world = await World.CreateAsync(this);
        var other = await CreateTenantAsync("Other Bank");
        var (stranger, _) = await other.AddStaffAsync(Role.TenantAdmin);
        using var unknown = Factory.ClientWithToken(CmsApiFactory.TenantToken(world.Tenant.Id, "nobody-here"));
        using var wrongTenant = Factory.ClientWithToken(CmsApiFactory.TenantToken(world.Tenant.Id, stranger.Subject));
        using var noTenant = Factory.ClientWithToken(CmsApiFactory.TenantToken(Guid.NewGuid(), world.Staff[Role.TenantAdmin].Subject));
        foreach (var client in new[] { unknown, wrongTenant, noTenant })
        {
            await AssertProblemAsync(await client.GetAsync("/v1/staff"), HttpStatusCode.Forbidden);
            await AssertProblemAsync(await client.GetAsync($"/v1/consumers/{world.Consumer.Id}"), HttpStatusCode.Forbidden);
        }
    }

    /// <summary>A tenant with one active staff member per role, a platform client and a consumer; arranges complaints as its admin.</summary>
    public sealed class World
    {
        private World(TestTenant tenant, IReadOnlyDictionary<Role, StaffDto> staff, IReadOnlyDictionary<Caller, HttpClient> clients,
            ConsumerDto consumer)
        {
            Tenant = tenant;
            Staff = staff;
            Clients = clients;
            Consumer = consumer;
        }

        public TestTenant Tenant { get; }

        public IReadOnlyDictionary<Role, StaffDto> Staff { get; }

        public IReadOnlyDictionary<Caller, HttpClient> Clients { get; }

        public ConsumerDto Consumer { get; }

        public static async Task<World> CreateAsync(PermissionMatrixApiTests test) => await CreateAsync(await test.CreateTenantAsync(), test.Platform);

        /// <summary>The world around a fresh tenant, with a platform operator's client.</summary>
        public static async Task<World> CreateAsync(TestTenant tenant, HttpClient platform)
        {
            var staff = new Dictionary<Role, StaffDto>();
            var clients = new Dictionary<Caller, HttpClient> { [Caller.TenantAdmin] = tenant.Admin, [Caller.Platform] = platform };
            foreach (var role in new[] { Role.Supervisor, Role.Agent, Role.Auditor, Role.Integration })
            {
                var (member, client) = await tenant.AddStaffAsync(role);
                staff[role] = member;
                clients[Enum.Parse<Caller>(role.ToString())] = client;
            }

            // The agent works the queue every complaint of the world is filed into (an agent acts on unassigned complaints
            // of their queues only), so that the matrix shows the role's rights, not the agent rule.
            await tenant.CreateQueueAsync(QueueCode);
            staff[Role.Agent] = staff[Role.Agent] with { Version = (await tenant.WorkQueuesAsync(staff[Role.Agent].Id, QueueCode)).Version };

            var admins = await Read<Page<StaffDto>>(await tenant.Admin.GetAsync("/v1/staff?limit=200"));
            staff[Role.TenantAdmin] = admins.Items.Single(s => s.Roles.Contains(Role.TenantAdmin));
            var consumer = await tenant.RegisterConsumerAsync();
            return new World(tenant, staff, clients, consumer);
        }

        /// <summary>The world's queue: every complaint of <see cref="ComplaintAsync"/> is in it, and the agent works it.</summary>
        public const string QueueCode = "matrix";

        /// <summary>A fresh, unassigned complaint in <see cref="QueueCode"/> brought to the given status by the tenant admin.</summary>
        public async Task<ComplaintDto> ComplaintAsync(ComplaintStatus status, string? queue = QueueCode)
        {
            var c = await Tenant.FileComplaintAsync(Consumer.Id, queue: queue);
            async Task Step(string step, object? body = null) =>
                c = await Read<ComplaintDto>(await TransitionAsync(Tenant.Admin, c.Id, step, c.Version, body));

            switch (status)
            {
                case ComplaintStatus.Received:
                    break;
                case ComplaintStatus.Acknowledged:
                    await Step("acknowledge");
                    break;
                case ComplaintStatus.Investigating:
                    await Step("acknowledge");
                    await Step("start");
                    break;
                case ComplaintStatus.AwaitingConsumer:
                    await Step("acknowledge");
                    await Step("start");
                    await Step("await-consumer");
                    break;
                case ComplaintStatus.Resolved:
                    await Step("resolve", new { outcome = "upheld" });
                    break;
                case ComplaintStatus.Closed:
                    await Step("resolve", new { outcome = "upheld" });
                    await Step("close");
                    break;
                case ComplaintStatus.Referred:
                    await Step("resolve", new { outcome = "upheld" });
                    await Step("refer", new { body = "Financial Ombudsman Service" });
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(status), status, null);
            }

            Assert.That(c.Status, Is.EqualTo(status));
            return c;
        }
    }
}
