using System.Net;
using System.Net.Http.Json;
using Cms.Application.Audit;
using Cms.Application.Calendar;
using Cms.Application.Common;
using Cms.Application.Complaints;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.ApiRequests;

namespace Cms.Tests.Api;

/// <summary>
/// Regulatory clocks through the HTTP API on both databases: the new sector/jurisdiction profiles, the tenant calendar
/// (closure days) and clock settings, facts that recompute deadlines, and the due lists (overdue, within N days, at
/// risk, per assignee, per queue, per deadline kind), keyset-paged.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed partial class RegulatoryClockApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static async Task<ComplaintDto> Step(HttpClient client, ComplaintDto c, string step, object? body = null) =>
        await Read<ComplaintDto>(await TransitionAsync(client, c.Id, step, c.Version, body));

    private static DeadlineDto DeadlineOf(ComplaintDto c, DeadlineKind kind) => c.Deadlines.Single(d => d.Kind == kind);

    private static async Task<List<DueComplaintDto>> AllDue(HttpClient client, string query)
    {
        var items = new List<DueComplaintDto>();
        string? cursor = null;
        do
        {
            var page = await Read<Page<DueComplaintDto>>(await client.GetAsync(
                $"/v1/complaints/due?limit=1{(query.Length > 0 ? "&" + query : "")}{(cursor is null ? "" : "&cursor=" + cursor)}"));
            items.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && items.Count < 100);

        return items;
    }

    [TestCase("banking", "EU", "eu_banking_psd2")]
    [TestCase("telecom", "US", "us_telecom_fcc")]
    [TestCase("airline", "UK", "uk_airline_caa")]
    public async Task The_new_sector_and_jurisdiction_combinations_are_tenants_with_their_profile(string sector, string jurisdiction, string profile)
    {
        var tenant = await CreateTenantAsync($"{sector} {jurisdiction}", sector, jurisdiction);
        var consumer = await tenant.RegisterConsumerAsync();

        var complaint = await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId = consumer.Id,
            channel = "web",
            product = "p",
            category = "c",
            description = "d",
            paymentServices = true,
        }, Json), HttpStatusCode.Created);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tenant.Tenant.RegulatoryProfile, Is.EqualTo(profile));
            Assert.That(complaint.RegulatoryProfile, Is.EqualTo(profile));
            Assert.That(complaint.RegulatoryProfileVersion, Is.EqualTo(RegulatoryProfiles.ByCode(profile)!.Version));
            Assert.That(complaint.Deadlines.Select(d => d.Kind),
                Is.EquivalentTo(RegulatoryProfiles.ByCode(profile)!.ComputeDeadlines(complaint.ReceivedAt, new ComplaintFlags(true, false)).Select(d => d.Kind)));
            Assert.That(complaint.Deadlines, Is.Not.Empty);
        }
    }

    [Test]
    public async Task Closure_days_are_set_listed_removed_and_audited_by_the_tenant_admin_only()
    {
        var tenant = await CreateTenantAsync("Calendar Bank", "banking", "US");
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);

        var added = await Read<ClosureDayDto>(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-12-24", new { name = "Christmas Eve" }, Json));
        var renamed = await Read<ClosureDayDto>(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-12-24", new { name = "Christmas Eve closure" }, Json));
        await Expect(await agent.PutAsJsonAsync("/v1/calendar/closure-days/2026-12-31", new { name = "x" }, Json), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-13-01", new { name = "x" }, Json), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-12-30", new { name = "" }, Json), HttpStatusCode.BadRequest);

        var calendar = await Read<CalendarDto>(await agent.GetAsync("/v1/calendar?year=2026"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(renamed.Id, Is.EqualTo(added.Id));
            Assert.That(calendar.RegulatoryProfile, Is.EqualTo("us_banking_cfpb"));
            Assert.That(calendar.Holidays, Is.EqualTo(HolidaySchedule.UsFederal));
            Assert.That(calendar.BusinessDays, Is.EqualTo(BusinessDayBasis.FirmOpenDays));
            Assert.That(calendar.PublicHolidays.Select(h => h.Date), Does.Contain(new DateOnly(2026, 7, 3)).And.Contain(new DateOnly(2026, 11, 26)));
            Assert.That(calendar.PublicHolidays, Has.Count.EqualTo(11));
            Assert.That(calendar.ClosureDays.Select(d => (d.Date, d.Name)), Is.EqualTo(new[] { (new DateOnly(2026, 12, 24), "Christmas Eve closure") }));
        }

        await Expect(await tenant.Admin.DeleteAsync("/v1/calendar/closure-days/2026-12-24"), HttpStatusCode.NoContent);
        await AssertProblemAsync(await tenant.Admin.DeleteAsync("/v1/calendar/closure-days/2026-12-24"), HttpStatusCode.NotFound);
        var after = await Read<CalendarDto>(await agent.GetAsync("/v1/calendar?year=2026"));
        Assert.That(after.ClosureDays, Is.Empty);

        var audit = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        Assert.That(audit.Items.Where(e => e.EntityType == AuditTrail.ClosureDay).Select(e => e.Action),
            Is.EqualTo(new[] { "calendar.closure_day_added", "calendar.closure_day_renamed", "calendar.closure_day_removed" }));
    }

    [Test]
    public async Task Regulation_e_deadlines_of_complaints_filed_after_a_closure_day_skip_it()
    {
        var tenant = await CreateTenantAsync("Closure Bank", "banking", "US");
        var consumer = await tenant.RegisterConsumerAsync();
        var receivedAt = Seconds(DateTimeOffset.UtcNow.AddDays(-2));
        object Body() => new { consumerId = consumer.Id, channel = "web", product = "p", category = "c", description = "d", receivedAt, paymentServices = true };
        var before = await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints", Body(), Json), HttpStatusCode.Created);
        var calendar = RegulatoryProfiles.UsBanking.Calendar;
        var firstBusinessDay = calendar.AddBusinessDays(calendar.LocalDate(receivedAt), 1);
        await Expect(await tenant.Admin.PutAsJsonAsync($"/v1/calendar/closure-days/{firstBusinessDay:yyyy-MM-dd}", new { name = "Closed" }, Json),
            HttpStatusCode.OK);

        var after = await Read<ComplaintDto>(await tenant.Admin.PostAsJsonAsync("/v1/complaints", Body(), Json), HttpStatusCode.Created);
        var reread = await Read<ComplaintDto>(await tenant.Admin.GetAsync($"/v1/complaints/{before.Id}"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadlineOf(after, DeadlineKind.ErrorInvestigation).DueAt, Is.GreaterThan(DeadlineOf(before, DeadlineKind.ErrorInvestigation).DueAt));
            Assert.That(DeadlineOf(after, DeadlineKind.CompanyResponse).DueAt, Is.EqualTo(DeadlineOf(before, DeadlineKind.CompanyResponse).DueAt),
                "calendar-day rules ignore closures");
            Assert.That(reread.Deadlines, Is.EqualTo(before.Deadlines), "deadlines computed earlier are not rewritten");
        }
    }

    [Test]
    public async Task Facts_recompute_the_deadlines_with_audit_entries_and_version_guards()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var admin = tenant.Admin;
        var now = Seconds(DateTimeOffset.UtcNow);
        var complaint = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-3));
        Assert.That(complaint.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[] { DeadlineKind.SummaryResolution, DeadlineKind.FinalResponse }));

        var psd2 = await Step(admin, complaint, "payment-services", new { paymentServices = true });
        var corrected = await Step(admin, psd2, "received-at", new { receivedAt = now.AddDays(-30) });
        await Expect(await TransitionAsync(admin, complaint.Id, "payment-services", complaint.Version, new { paymentServices = false }),
            HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "received-at", corrected.Version, new { }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "received-at", corrected.Version, new { receivedAt = now.AddDays(1) }),
            HttpStatusCode.BadRequest);
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "payment-services", corrected.Version, new { paymentServices = true }),
            HttpStatusCode.Conflict);

        var expected = RegulatoryProfiles.UkBanking.ComputeDeadlines(now.AddDays(-30), new ComplaintFlags(true, false));
        var history = await Read<Page<AuditEntryDto>>(await admin.GetAsync($"/v1/complaints/{complaint.Id}/history?limit=100"));
        var reread = await Read<ComplaintDto>(await admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(psd2.Version, Is.EqualTo(complaint.Version + 1));
            Assert.That(psd2.PaymentServices, Is.True);
            // The 35-business-day deadline binds only after a holding reply.
            Assert.That(psd2.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[]
            {
                DeadlineKind.SummaryResolution, DeadlineKind.PaymentServicesFinalResponse,
            }));
            Assert.That(corrected.ReceivedAt, Is.EqualTo(now.AddDays(-30)));
            // PostgreSQL keeps microseconds: compare to the second (due instants are the tick before local midnight).
            Assert.That(corrected.Deadlines.Select(d => (d.Kind, Seconds(d.DueAt))), Is.EquivalentTo(expected.Select(d => (d.Kind, Seconds(d.DueAt)))));
            Assert.That(corrected.NextDueAt, Is.EqualTo(DeadlineOf(corrected, DeadlineKind.PaymentServicesFinalResponse).DueAt));
            Assert.That(corrected.Overdue, Is.True, "15 business days after a receipt 30 days ago have passed");
            Assert.That(reread.Deadlines, Is.EqualTo(corrected.Deadlines));
            Assert.That(history.Items.Select(e => e.Action), Is.SupersetOf(new[] { "complaint.payment_services_set", "complaint.received_at_corrected" }));
            Assert.That(history.Items.Single(e => e.Action == "complaint.received_at_corrected").ChangedFields,
                Is.EqualTo(new[] { "receivedAt", "deadlines" }));
        }

        // Clearing the flag brings the 8-week deadline back (the withdrawn rows stay stored, unseen).
        var cleared = await Step(admin, reread, "payment-services", new { paymentServices = false });
        Assert.That(cleared.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[] { DeadlineKind.SummaryResolution, DeadlineKind.FinalResponse }));
    }

    [Test]
    public async Task An_in_progress_response_and_provisional_credit_meet_the_us_deadlines_and_make_the_extended_ones_bind()
    {
        var tenant = await CreateTenantAsync("US Bank", "banking", "US");
        var consumer = await tenant.RegisterConsumerAsync();
        var admin = tenant.Admin;
        var now = Seconds(DateTimeOffset.UtcNow);
        var filed = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-5));
        var complaint = await Step(admin, filed, "payment-services", new { paymentServices = true });
        Assert.That(complaint.Deadlines.Select(d => d.Kind), Is.EquivalentTo(new[] { DeadlineKind.CompanyResponse, DeadlineKind.ErrorInvestigation }));

        var inProgressAt = now.AddDays(-3);
        var inProgress = await Step(admin, complaint, "responses", new { type = "holding_response", sentAt = inProgressAt });
        var creditedAt = now.AddDays(-2);
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "provisional-credit", inProgress.Version, new { }),
            HttpStatusCode.BadRequest, "creditedAt");
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "provisional-credit", inProgress.Version,
            new { creditedAt = now.AddDays(1) }), HttpStatusCode.BadRequest, "creditedAt");
        var credited = await Step(admin, inProgress, "provisional-credit", new { creditedAt });
        await AssertProblemAsync(await TransitionAsync(admin, complaint.Id, "provisional-credit", credited.Version, new { creditedAt }),
            HttpStatusCode.Conflict);
        await Expect(await TransitionAsync(admin, complaint.Id, "provisional-credit", inProgress.Version, new { creditedAt }),
            HttpStatusCode.PreconditionFailed);

        var reread = await Read<ComplaintDto>(await admin.GetAsync($"/v1/complaints/{complaint.Id}"));
        var history = await Read<Page<AuditEntryDto>>(await admin.GetAsync($"/v1/complaints/{complaint.Id}/history?limit=100"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(inProgress.RegulatoryProfileVersion, Is.EqualTo(RegulatoryProfiles.UsBanking.Version));
            Assert.That(DeadlineOf(inProgress, DeadlineKind.CompanyResponse).MetAt, Is.EqualTo(inProgressAt));
            Assert.That(DeadlineOf(inProgress, DeadlineKind.CompanyFinalResponse).MetAt, Is.Null);
            Assert.That(inProgress.Deadlines.Select(d => d.Kind), Does.Not.Contain(DeadlineKind.ErrorInvestigationExtended));
            Assert.That(credited.ProvisionalCreditAt, Is.EqualTo(creditedAt));
            Assert.That(DeadlineOf(credited, DeadlineKind.ErrorInvestigation).MetAt, Is.EqualTo(creditedAt));
            Assert.That(DeadlineOf(credited, DeadlineKind.ErrorInvestigationExtended).MetAt, Is.Null);
            Assert.That(credited.Deadlines.Where(d => d.MetAt is not null).Select(d => d.Breached), Is.All.False);
            // Of the 45 days (provisional credit) and day 60 (in progress), the 45 days come first.
            Assert.That(credited.NextDueAt, Is.EqualTo(DeadlineOf(credited, DeadlineKind.ErrorInvestigationExtended).DueAt));
            Assert.That(reread.ProvisionalCreditAt, Is.EqualTo(creditedAt));
            Assert.That(reread.Deadlines, Is.EqualTo(credited.Deadlines));
            Assert.That(history.Items.Single(e => e.Action == "complaint.provisional_credit_recorded").ChangedFields,
                Is.EqualTo(new[] { "provisionalCreditAt", "deadlines" }));
            Assert.That(history.Items.Single(e => e.Action == "complaint.response_recorded").ChangedFields,
                Is.EqualTo(new[] { "responses", "deadlines" }));
        }

        // The due list follows: the in-progress complaint is listed under day 60, not under the 15 days it met.
        var dueFinal = await AllDue(admin, "kind=company_final_response");
        var dueFirst = await AllDue(admin, "kind=company_response");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dueFinal.Select(d => d.ComplaintId), Does.Contain(complaint.Id));
            Assert.That(dueFirst.Select(d => d.ComplaintId), Does.Not.Contain(complaint.Id));
        }
    }

    [Test]
    public async Task A_psd2_holding_reply_meets_the_15_business_days_and_makes_the_35_bind()
    {
        var tenant = await CreateTenantAsync();
        var consumer = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);
        var filed = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-25));
        var psd2 = await Step(tenant.Admin, filed, "payment-services", new { paymentServices = true });
        Assert.That(psd2.Overdue, Is.True, "15 business days after a receipt 25 days ago have passed");

        // Sent on time (within the 15 business days), recorded late.
        var sentAt = now.AddDays(-20);
        var held = await Step(tenant.Admin, psd2, "responses", new { type = "holding_response", sentAt });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadlineOf(held, DeadlineKind.PaymentServicesFinalResponse).MetAt, Is.EqualTo(sentAt));
            Assert.That(DeadlineOf(held, DeadlineKind.PaymentServicesFinalResponse).Breached, Is.False);
            Assert.That(DeadlineOf(held, DeadlineKind.PaymentServicesExceptionalFinalResponse).MetAt, Is.Null);
            Assert.That(held.NextDueAt, Is.EqualTo(DeadlineOf(held, DeadlineKind.PaymentServicesExceptionalFinalResponse).DueAt));
            Assert.That(held.Overdue, Is.False, "the 35 business days have not passed");
        }
    }

    [Test]
    public async Task An_adr_letter_meets_the_ofcom_deadline()
    {
        var tenant = await CreateTenantAsync("Telco", "telecom", "UK");
        var consumer = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);
        var filed = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-20));
        var sentAt = now.AddDays(-1);

        var letter = await Step(tenant.Admin, filed, "responses", new { type = "adr_letter", sentAt });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadlineOf(letter, DeadlineKind.AdrLetter).MetAt, Is.EqualTo(sentAt));
            Assert.That(letter.NextDueAt, Is.Null);
        }

        // The deadlock letter opens the consumer's way to the ADR scheme before the 8 weeks are up.
        var referred = await Step(tenant.Admin, letter, "refer", new { body = "Ombudsman Services: Communications" });
        Assert.That(referred.Status, Is.EqualTo(ComplaintStatus.Referred));
    }

    [Test]
    public async Task A_disability_flag_on_a_us_airline_complaint_adds_the_30_day_dispositive_response()
    {
        var tenant = await CreateTenantAsync("Air", "airline", "US");
        var consumer = await tenant.RegisterConsumerAsync();
        var complaint = await tenant.FileComplaintAsync(consumer.Id);

        var flagged = await Step(tenant.Admin, complaint, "disability", new { disability = true });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(flagged.Disability, Is.True);
            Assert.That(DeadlineOf(flagged, DeadlineKind.DisabilityDispositiveResponse).MetAt, Is.Null);
            Assert.That(DeadlineOf(flagged, DeadlineKind.DisabilityDispositiveResponse).DueAt,
                Is.EqualTo(DeadlineOf(flagged, DeadlineKind.WrittenAcknowledgement).DueAt));
        }
    }
}
