using System.Net;
using System.Net.Http.Json;
using Cms.Application.Common;
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
public sealed partial class PermissionMatrixApiTests(DatabaseKind kind) : ApiTestBase(kind)
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

    /// <summary>A request row for every use case (WriteRoundTripTests walks its writes too).</summary>
    internal static readonly Row[] Rows =
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
        new(UseCase.ExportTenant, "POST /v1/tenants/{id}/export", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Post, $"/v1/tenants/{w.Tenant.Id}/export"))),
        new(UseCase.OffboardTenant, "DELETE /v1/tenants/{id}", HttpStatusCode.Accepted,
            async w => Json(HttpMethod.Delete, $"/v1/tenants/{await SpareTenantAsync(w, suspended: true)}?withoutExport=true&reason=Matrix")),
        new(UseCase.GetTenantOffboarding, "GET /v1/tenants/{id}/offboarding", HttpStatusCode.OK, async w =>
        {
            var spare = await SpareTenantAsync(w, suspended: true);
            await Expect(await w.Clients[Caller.Platform].DeleteAsync($"/v1/tenants/{spare}?withoutExport=true&reason=Matrix"), HttpStatusCode.Accepted);
            return Json(HttpMethod.Get, $"/v1/tenants/{spare}/offboarding");
        }),
        new(UseCase.VerifyPlatformAudit, "GET /v1/platform-audit/verify", HttpStatusCode.OK,
            _ => Task.FromResult(Json(HttpMethod.Get, "/v1/platform-audit/verify"))),
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
        new(UseCase.ExportConsumer, "GET /v1/consumers/{id}/export", HttpStatusCode.OK,
            w => Task.FromResult(Json(HttpMethod.Get, $"/v1/consumers/{w.Consumer.Id}/export"))),
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
        .. LetterRows,
        .. RetentionRows,
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

    internal static bool Allowed(UseCase useCase, Caller caller) =>
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
}
