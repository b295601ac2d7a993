using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Application.Consumers;
using Cms.Application.Staff;
using Cms.Domain.Complaints;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// The role × use case matrix (Permissions) walked through the HTTP API: every use case, for every role and for a
/// platform operator. The request table below must have a row for every <see cref="UseCase"/>, so a new use case
/// cannot ship without a permission test.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class PermissionMatrixApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    public enum Caller
    {
        TenantAdmin,
        Supervisor,
        Agent,
        Auditor,
        Integration,
        Platform,
    }

    /// <summary>One route of a use case: how to arrange a fresh target (as the tenant admin) and build the request, and its success status.</summary>
    public sealed record Row(UseCase UseCase, string Route, HttpStatusCode Success, Func<World, Task<HttpRequestMessage>> Build)
    {
        public override string ToString() => $"{UseCase}: {Route}";
    }

    private static readonly Row[] Rows =
    [
        new(UseCase.CreateTenant, "POST /v1/tenants", HttpStatusCode.Created, _ => Task.FromResult(Json(HttpMethod.Post, "/v1/tenants", new
        {
            name = "Another Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = Unique("admin"), email = "admin@another.test", displayName = "Admin" },
        }))),
        new(UseCase.GetTenant, "GET /v1/tenants/{id}", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/tenants/{w.Tenant.Id}"))),
        new(UseCase.ListTenants, "GET /v1/tenants", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/tenants?limit=5"))),
        new(UseCase.SuspendTenant, "POST /v1/tenants/{id}/suspend", HttpStatusCode.OK,
            async w => Json(HttpMethod.Post, $"/v1/tenants/{await SpareTenantAsync(w, suspended: false)}/suspend", new { reason = "Unpaid" })),
        new(UseCase.ReactivateTenant, "POST /v1/tenants/{id}/reactivate", HttpStatusCode.OK,
            async w => Json(HttpMethod.Post, $"/v1/tenants/{await SpareTenantAsync(w, suspended: true)}/reactivate", new { reason = "Paid" })),
        new(UseCase.AddStaff, "POST /v1/staff", HttpStatusCode.Created, _ => Task.FromResult(Json(HttpMethod.Post, "/v1/staff", new
        {
            subject = Unique("staff"),
            email = "new.staff@example.test",
            displayName = "New Staff",
            roles = new[] { Role.Agent },
            kind = StaffKind.User,
        }))),
        new(UseCase.ListStaff, "GET /v1/staff", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/staff"))),
        new(UseCase.GetStaff, "GET /v1/staff/{id}", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/staff/{(await w.Tenant.AddStaffAsync(Role.Agent)).Staff.Id}")),
        new(UseCase.ReplaceStaffRoles, "PUT /v1/staff/{id}/roles", HttpStatusCode.OK, async w =>
        {
            var (target, _) = await w.Tenant.AddStaffAsync(Role.Agent);
            return Json(HttpMethod.Put, $"/v1/staff/{target.Id}/roles", new { roles = new[] { Role.Supervisor } }, target.Version);
        }),
        new(UseCase.DeactivateStaff, "POST /v1/staff/{id}/deactivate", HttpStatusCode.OK, async w =>
        {
            var (target, _) = await w.Tenant.AddStaffAsync(Role.Agent);
            return Json(HttpMethod.Post, $"/v1/staff/{target.Id}/deactivate");
        }),
        new(UseCase.RegisterConsumer, "POST /v1/consumers", HttpStatusCode.Created, _ => Task.FromResult(Json(HttpMethod.Post,
            "/v1/consumers", new { externalRef = Unique("EXT"), fullName = "Sam Consumer", email = "sam@example.test" }))),
        new(UseCase.ImportConsumers, "POST /v1/consumers/imports", HttpStatusCode.OK, _ => Task.FromResult(new HttpRequestMessage(
            HttpMethod.Post, "/v1/consumers/imports")
        {
            Content = new StringContent($$"""{"externalRef":"{{Unique("IMP")}}","fullName":"Sam Imported"}""" + "\n",
                System.Text.Encoding.UTF8, "application/x-ndjson"),
        })),
        new(UseCase.GetConsumer, "GET /v1/consumers/{id}", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/consumers/{w.Consumer.Id}"))),
        new(UseCase.FindConsumers, "GET /v1/consumers?externalRef=", HttpStatusCode.OK, w =>
            Task.FromResult(Json(HttpMethod.Get, $"/v1/consumers?externalRef={Uri.EscapeDataString(w.Consumer.ExternalRef!)}"))),
        new(UseCase.UpdateConsumer, "PATCH /v1/consumers/{id}", HttpStatusCode.OK, async w =>
        {
            var consumer = await w.Tenant.RegisterConsumerAsync();
            return Json(HttpMethod.Patch, $"/v1/consumers/{consumer.Id}", new { phone = "+44 20 7946 0999" }, consumer.Version);
        }),
        new(UseCase.EraseConsumer, "POST /v1/consumers/{id}/erasure", HttpStatusCode.OK, async w =>
        {
            var consumer = await w.Tenant.RegisterConsumerAsync();
            return Json(HttpMethod.Post, $"/v1/consumers/{consumer.Id}/erasure");
        }),
        new(UseCase.SetLegalHold, "PUT /v1/consumers/{id}/legal-hold", HttpStatusCode.OK, w =>
            Task.FromResult(Json(HttpMethod.Put, $"/v1/consumers/{w.Consumer.Id}/legal-hold", new { onHold = true }))),
        new(UseCase.FileComplaint, "POST /v1/complaints", HttpStatusCode.Created, w => Task.FromResult(Json(HttpMethod.Post,
            "/v1/complaints", new
            {
                consumerId = w.Consumer.Id,
                channel = "phone",
                product = "mortgage",
                category = "arrears",
                description = "Arrears fee applied in error.",
            }))),
        new(UseCase.GetComplaint, "GET /v1/complaints/{id}", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/complaints/{(await w.ComplaintAsync(ComplaintStatus.Received)).Id}")),
        new(UseCase.ListComplaints, "GET /v1/complaints", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/complaints?limit=5"))),
        Transition(UseCase.AcknowledgeComplaint, "acknowledge", ComplaintStatus.Received),
        Transition(UseCase.StartInvestigation, "start", ComplaintStatus.Acknowledged),
        Transition(UseCase.AwaitConsumer, "await-consumer", ComplaintStatus.Investigating),
        new(UseCase.AssignComplaint, "POST /v1/complaints/{id}/assign", HttpStatusCode.OK, async w =>
        {
            // An agent may take a complaint only for itself; supervisors and admins assign others: the agent suits both.
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/assign", new { assigneeId = w.Staff[Role.Agent].Id }, c.Version);
        }),
        Transition(UseCase.ResolveComplaint, "resolve", ComplaintStatus.Investigating, new { outcome = "not_upheld", rootCause = "policy" }),
        Transition(UseCase.CloseComplaint, "close", ComplaintStatus.Resolved),
        Transition(UseCase.ReopenComplaint, "reopen", ComplaintStatus.Closed),
        Transition(UseCase.ReferComplaint, "refer", ComplaintStatus.Resolved, new { body = "Financial Ombudsman Service", reference = "FOS-9" }),
        Transition(UseCase.RecordReferralOutcome, "referral-outcome", ComplaintStatus.Referred, new { outcome = "settled" }),
        new(UseCase.AddNote, "POST /v1/complaints/{id}/notes", HttpStatusCode.Created, async w =>
        {
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/notes", new { kind = "internal", body = "Called the branch." });
        }),
        new(UseCase.GetComplaintHistory, "GET /v1/complaints/{id}/history", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/complaints/{(await w.ComplaintAsync(ComplaintStatus.Acknowledged)).Id}/history")),
        new(UseCase.GetComplaintHistory, "GET /v1/complaints/{id}/notes", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/complaints/{(await w.ComplaintAsync(ComplaintStatus.Received)).Id}/notes")),
        new(UseCase.ListAudit, "GET /v1/audit", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/audit?limit=10"))),
        new(UseCase.VerifyAuditChain, "GET /v1/audit/verify", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/audit/verify"))),
        Transition(UseCase.CorrectReceivedAt, "received-at", ComplaintStatus.Received, new { receivedAt = DateTimeOffset.UtcNow.AddDays(-1) }),
        Transition(UseCase.SetPaymentServices, "payment-services", ComplaintStatus.Received, new { paymentServices = true }),
        Transition(UseCase.SetDisability, "disability", ComplaintStatus.Received, new { disability = true }),
        new(UseCase.RecordProvisionalCredit, "POST /v1/complaints/{id}/provisional-credit", HttpStatusCode.OK, async w =>
        {
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/provisional-credit", new { creditedAt = c.ReceivedAt }, c.Version);
        }),
        new(UseCase.ListDueComplaints, "GET /v1/complaints/due", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/complaints/due?limit=5"))),
        new(UseCase.GetCalendar, "GET /v1/calendar", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/calendar?year=2026"))),
        new(UseCase.SetClosureDay, "PUT /v1/calendar/closure-days/{date}", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Put, $"/v1/calendar/closure-days/{FreshDate():yyyy-MM-dd}", new { name = "Closed" }))),
        new(UseCase.RemoveClosureDay, "DELETE /v1/calendar/closure-days/{date}", HttpStatusCode.NoContent, async w =>
        {
            var day = FreshDate();
            await Expect(await w.Tenant.Admin.PutAsJsonAsync($"/v1/calendar/closure-days/{day:yyyy-MM-dd}", new { name = "Closed" }, ApiTestBase.Json),
                HttpStatusCode.OK);
            return Json(HttpMethod.Delete, $"/v1/calendar/closure-days/{day:yyyy-MM-dd}");
        }),
        new(UseCase.GetClockSettings, "GET /v1/settings/clocks", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/settings/clocks"))),
        new(UseCase.UpdateClockSettings, "PUT /v1/settings/clocks", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Put, "/v1/settings/clocks", new { atRiskDays = 3 }))),
        new(UseCase.ListEvents, "GET /v1/events", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/events?after=0&limit=10"))),
        new(UseCase.CreateWebhook, "POST /v1/webhooks", HttpStatusCode.Created, _ => Task.FromResult(Json(HttpMethod.Post, "/v1/webhooks", new
        {
            url = "https://hooks.example.com/cms",
            eventTypes = new[] { "complaint.*" },
        }))),
        new(UseCase.ListWebhooks, "GET /v1/webhooks", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/webhooks"))),
        new(UseCase.GetWebhook, "GET /v1/webhooks/{id}", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/webhooks/{await WebhookAsync(w)}")),
        new(UseCase.UpdateWebhook, "PATCH /v1/webhooks/{id}", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Patch, $"/v1/webhooks/{await WebhookAsync(w)}", new { active = false })),
        new(UseCase.DeleteWebhook, "DELETE /v1/webhooks/{id}", HttpStatusCode.NoContent, async w =>
            Json(HttpMethod.Delete, $"/v1/webhooks/{await WebhookAsync(w)}")),
        new(UseCase.ReplayWebhook, "POST /v1/webhooks/{id}/replay", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Post, $"/v1/webhooks/{await WebhookAsync(w)}/replay", new { fromPosition = 1 })),
        new(UseCase.ListWebhookAttempts, "GET /v1/webhooks/{id}/attempts", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/webhooks/{await WebhookAsync(w)}/attempts")),
        // Outcomes and classification, regulatory returns (issue 7). Root causes are published so the world's other
        // complaints (product "mortgage", category "arrears") stay valid.
        new(UseCase.PublishTaxonomy, "POST /v1/taxonomies/{kind}/versions", HttpStatusCode.Created,
            _ => Task.FromResult(Json(HttpMethod.Post, "/v1/taxonomies/root_cause/versions",
                new { entries = new[] { new { code = "policy", label = "Policy" }, new { code = "process_error", label = "Process error" } } }))),
        new(UseCase.GetTaxonomy, "GET /v1/taxonomies/{kind}", HttpStatusCode.OK, async w =>
        {
            await Expect(await w.Tenant.Admin.PostAsJsonAsync("/v1/taxonomies/root_cause/versions",
                new { entries = new[] { new { code = "policy", label = "Policy" } } }, ApiTestBase.Json), HttpStatusCode.Created);
            return Json(HttpMethod.Get, "/v1/taxonomies/root_cause");
        }),
        new(UseCase.RecordResponse, "POST /v1/complaints/{id}/responses", HttpStatusCode.OK, async w =>
        {
            var c = await w.ComplaintAsync(ComplaintStatus.Acknowledged);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/responses", new { type = "holding_response", sentAt = c.ReceivedAt }, c.Version);
        }),
        Transition(UseCase.ReclassifyComplaint, "classify", ComplaintStatus.Received, new { product = "credit_card", category = "fees" }),
        new(UseCase.RecordVulnerability, "PUT /v1/complaints/{id}/vulnerability", HttpStatusCode.OK, async w =>
        {
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Put, $"/v1/complaints/{c.Id}/vulnerability",
                new { involved = true, drivers = new[] { "life_event" }, consentGivenAt = c.ReceivedAt }, c.Version);
        }),
        new(UseCase.MergeComplaints, "POST /v1/complaints/{id}/merge", HttpStatusCode.OK, async w =>
        {
            var duplicate = await w.ComplaintAsync(ComplaintStatus.Received);
            var survivor = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{survivor.Id}/merge", new { duplicateId = duplicate.Id }, survivor.Version);
        }),
        new(UseCase.GetComplaintsReport, "GET /v1/reports/complaints", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/reports/complaints?from=2026-01-01&to=2026-06-30"))),
        new(UseCase.CreateQueue, "POST /v1/queues", HttpStatusCode.Created,
            _ => Task.FromResult(Json(HttpMethod.Post, "/v1/queues", new { code = QueueCode(), name = "Cards" }))),
        new(UseCase.ListQueues, "GET /v1/queues", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/queues"))),
        new(UseCase.GetQueue, "GET /v1/queues/{id}", HttpStatusCode.OK, async w =>
            Json(HttpMethod.Get, $"/v1/queues/{(await w.Tenant.CreateQueueAsync(QueueCode())).Id}")),
        new(UseCase.RetireQueue, "POST /v1/queues/{id}/retire", HttpStatusCode.OK, async w =>
        {
            var queue = await w.Tenant.CreateQueueAsync(QueueCode());
            return Json(HttpMethod.Post, $"/v1/queues/{queue.Id}/retire", null, queue.Version);
        }),
        new(UseCase.ReplaceStaffQueues, "PUT /v1/staff/{id}/queues", HttpStatusCode.OK, async w =>
        {
            var (target, _) = await w.Tenant.AddStaffAsync(Role.Agent);
            return Json(HttpMethod.Put, $"/v1/staff/{target.Id}/queues", new { queues = new[] { World.QueueCode } }, target.Version);
        }),
        new(UseCase.MoveComplaintQueue, "POST /v1/complaints/{id}/queue", HttpStatusCode.OK, async w =>
        {
            var queue = await w.Tenant.CreateQueueAsync(QueueCode());
            var c = await w.ComplaintAsync(ComplaintStatus.Received);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/queue", new { queue = queue.Code }, c.Version);
        }),
        new(UseCase.CreateLegalEntity, "POST /v1/legal-entities", HttpStatusCode.Created,
            _ => Task.FromResult(Json(HttpMethod.Post, "/v1/legal-entities", LegalEntityBody()))),
        new(UseCase.ListLegalEntities, "GET /v1/legal-entities", HttpStatusCode.OK, _ => Task.FromResult(Json(HttpMethod.Get, "/v1/legal-entities"))),
        new(UseCase.UpdateLegalEntity, "PUT /v1/legal-entities/{id}", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Put, $"/v1/legal-entities/{w.Tenant.Id}", LegalEntityBody()))),
        new(UseCase.GetFcaReturn, "GET /v1/reports/fca-complaints-return", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/reports/fca-complaints-return?legalEntityId={w.Tenant.Id}&periodStart=2026-01-01"))),
        new(UseCase.ListUnmappedComplaints, "GET /v1/reports/fca-complaints-return/unmapped", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/reports/fca-complaints-return/unmapped?legalEntityId={w.Tenant.Id}&periodStart=2026-01-01"))),
        new(UseCase.TakeFcaReturnSnapshot, "POST /v1/reports/fca-complaints-return/snapshots", HttpStatusCode.Created, async w =>
        {
            // A fresh entity each time: a second snapshot of an unchanged period is refused.
            var entity = await Read<Cms.Application.LegalEntities.LegalEntityDto>(
                await w.Tenant.Admin.PostAsJsonAsync("/v1/legal-entities", LegalEntityBody(), ApiTestBase.Json), HttpStatusCode.Created);
            return Json(HttpMethod.Post, "/v1/reports/fca-complaints-return/snapshots", new { legalEntityId = entity.Id, periodStart = "2026-01-01" });
        }),
        new(UseCase.ListFcaReturnSnapshots, "GET /v1/reports/fca-complaints-return/snapshots", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/reports/fca-complaints-return/snapshots?legalEntityId={w.Tenant.Id}&periodStart=2026-01-01"))),
        new(UseCase.ReplaceReturnMapping, "PUT /v1/return-mappings/{kind}", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Put, "/v1/return-mappings/fca_product",
                new { entries = new[] { new { code = "current_account", targetCode = "banking.current_account" } } }))),
        new(UseCase.GetDotDisabilityReport, "GET /v1/reports/dot-disability", HttpStatusCode.Conflict, // the matrix's tenant is a bank
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/reports/dot-disability?year=2026"))),
        new(UseCase.GetReturnMapping, "GET /v1/return-mappings/{kind}", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/return-mappings/fca_cause"))),
    ];

    private static int _firmReferences;

    /// <summary>A legal entity's body with a firm reference number no other request of the run used.</summary>
    private static object LegalEntityBody() => new
    {
        name = "Acme Cards Ltd",
        firmReferenceNumber = (1_000_000 + Interlocked.Increment(ref _firmReferences)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        permissions = new[] { "consumer_credit" },
    };

    /// <summary>A queue code no other request of the run used.</summary>
    private static string QueueCode() => $"q-{Guid.NewGuid():N}"[..20];

    private static int _freshDays;

    /// <summary>A date no other request of the run used (closure days are unique per tenant and date).</summary>
    private static DateOnly FreshDate() => new DateOnly(2030, 1, 1).AddDays(Interlocked.Increment(ref _freshDays));


    /// <summary>A fresh webhook endpoint of the tenant, registered by its admin.</summary>
    private static async Task<Guid> WebhookAsync(World w)
    {
        var created = await Read<Cms.Application.Webhooks.WebhookCreatedDto>(await w.Tenant.Admin.SendAsync(Json(HttpMethod.Post, "/v1/webhooks",
            new { url = "https://hooks.example.com/cms", eventTypes = new[] { "*" } })), HttpStatusCode.Created);
        return created.Webhook.Id;
    }

    public static IEnumerable<UseCase> UseCases => Enum.GetValues<UseCase>();

    private static Row Transition(UseCase useCase, string step, ComplaintStatus from, object? body = null) =>
        new(useCase, $"POST /v1/complaints/{{id}}/{step}", HttpStatusCode.OK, async w =>
        {
            var c = await w.ComplaintAsync(from);
            return Json(HttpMethod.Post, $"/v1/complaints/{c.Id}/{step}", body ?? new { }, c.Version);
        });

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A tenant other than the world's (whose suspension would refuse the rest of the walk), created by the platform.</summary>
    private static async Task<Guid> SpareTenantAsync(World w, bool suspended)
    {
        var platform = w.Clients[Caller.Platform];
        var created = await Read<Cms.Application.Tenants.TenantDto>(await platform.PostAsJsonAsync("/v1/tenants", new
        {
            name = "Spare Bank",
            sector = "banking",
            jurisdiction = "UK",
            admin = new { subject = Unique("admin"), email = "admin@spare.test", displayName = "Admin" },
        }, ApiTestBase.Json), HttpStatusCode.Created);
        if (suspended)
        {
            await Expect(await platform.PostAsJsonAsync($"/v1/tenants/{created.Id}/suspend", new { reason = "Unpaid" }, ApiTestBase.Json),
                HttpStatusCode.OK);
        }

        return created.Id;
    }

    private static Role? RoleOf(Caller caller) => caller == Caller.Platform ? null : Enum.Parse<Role>(caller.ToString());

    private static bool Allowed(UseCase useCase, Caller caller) =>
        Permissions.IsPlatformUseCase(useCase)
            ? caller == Caller.Platform
            : RoleOf(caller) is { } role && Permissions.RolesFor(useCase).Contains(role);

    [Test]
    public void The_request_table_has_a_row_for_every_use_case()
    {
        var missing = Enum.GetValues<UseCase>().Except(Rows.Select(r => r.UseCase)).ToList();
        Assert.That(missing, Is.Empty, "Add a row to PermissionMatrixApiTests.Rows for each new use case.");
    }

    [Test]
    public void Every_tenant_use_case_allows_someone_and_platform_use_cases_no_tenant_role()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var useCase in Enum.GetValues<UseCase>())
            {
                Assert.That(Permissions.RolesFor(useCase), Permissions.IsPlatformUseCase(useCase) ? Is.Empty : Is.Not.Empty, useCase.ToString());
            }
        }
    }

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

        public static async Task<World> CreateAsync(PermissionMatrixApiTests test)
        {
            var tenant = await test.CreateTenantAsync();
            var staff = new Dictionary<Role, StaffDto>();
            var clients = new Dictionary<Caller, HttpClient> { [Caller.TenantAdmin] = tenant.Admin, [Caller.Platform] = test.Platform };
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
