using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
public sealed class RegulatoryClockApiTests(DatabaseKind kind) : ApiTestBase(kind)
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

    /// <summary>
    /// A UK bank with a 5-business-day internal SLA and a 3-day at-risk window; final responses are due 8 weeks after
    /// receipt. c60 (received 60 days ago) is overdue, c55 due in 1-2 days (at risk), c50 in 6-7 days (assigned to A),
    /// c10 in about 46 days and awaiting the consumer (its SLA paused), resolved is out of every list.
    /// </summary>
    [Test]
    public async Task Due_lists_overdue_within_at_risk_per_assignee_queue_and_kind_keyset_paged()
    {
        var tenant = await CreateTenantAsync();
        var admin = tenant.Admin;
        var (agentA, _) = await tenant.AddStaffAsync(Role.Agent);
        var settings = await Read<ClockSettingsDto>(await admin.PutAsJsonAsync("/v1/settings/clocks",
            new { internalSla = new { amount = 5, unit = "business_days" }, atRiskDays = 3 }, Json));
        Assert.That(settings, Is.EqualTo(new ClockSettingsDto(new InternalSlaDto(5, ClockUnit.BusinessDays), 3)));
        var consumer = await tenant.RegisterConsumerAsync();
        var now = Seconds(DateTimeOffset.UtcNow);
        var c60 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-60));
        var c55 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-55));
        var c50 = await Step(admin, await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-50)), "assign", new { assigneeId = agentA.Id });
        var c10 = await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-10));
        c10 = await Step(admin, await Step(admin, await Step(admin, c10, "acknowledge"), "start"), "await-consumer");
        await Step(admin, await tenant.FileComplaintAsync(consumer.Id, receivedAt: now.AddDays(-20)), "resolve", new { outcome = "upheld" });

        var sla = DeadlineOf(c10, DeadlineKind.InternalSla);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sla.Regulatory, Is.False);
            Assert.That(sla.PausedAt, Is.Not.Null);
            Assert.That(DeadlineOf(c10, DeadlineKind.FinalResponse).PausedAt, Is.Null, "regulatory clocks never pause");
        }

        async Task<Guid[]> Ids(string query) => [.. (await AllDue(admin, query)).Select(d => d.ComplaintId)];

        var all = await AllDue(admin, "");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Select(d => d.ComplaintId), Is.EqualTo(new[] { c60.Id, c55.Id, c50.Id, c10.Id }));
            Assert.That(all.Select(d => d.Kind), Is.All.EqualTo(DeadlineKind.FinalResponse));
            Assert.That(all.Select(d => d.Overdue), Is.EqualTo(new[] { true, false, false, false }));
            Assert.That(await Ids("overdue=true"), Is.EqualTo(new[] { c60.Id }));
            Assert.That(await Ids("overdue=false"), Is.EqualTo(new[] { c55.Id, c50.Id, c10.Id }));
            Assert.That(await Ids("withinDays=10"), Is.EqualTo(new[] { c55.Id, c50.Id }));
            Assert.That(await Ids("atRisk=true"), Is.EqualTo(new[] { c55.Id }));
            Assert.That(await Ids($"assigneeId={agentA.Id}"), Is.EqualTo(new[] { c50.Id }));
            Assert.That(await Ids($"withinDays=10&assigneeId={agentA.Id}"), Is.EqualTo(new[] { c50.Id }));
            Assert.That(await Ids("status=awaiting_consumer"), Is.EqualTo(new[] { c10.Id }));
            Assert.That(await Ids("status=received&overdue=true"), Is.EqualTo(new[] { c60.Id }));
            Assert.That(await Ids("kind=internal_sla&overdue=true"), Is.EqualTo(new[] { c60.Id, c55.Id, c50.Id }), "the paused SLA is not due");
            Assert.That(await Ids("kind=summary_resolution"), Is.EquivalentTo(new[] { c60.Id, c55.Id, c50.Id, c10.Id }));
        }

        // Facts move complaints between lists: a payment-services flag makes c50's 15-business-day deadline overdue.
        await Step(admin, c50, "payment-services", new { paymentServices = true });
        Assert.That(await Ids("overdue=true"), Is.EqualTo(new[] { c50.Id, c60.Id }));

        foreach (var bad in new[] { "overdue=true&withinDays=3", "withinDays=0", "withinDays=9999", "status=closed", "status=nope", "kind=nope", "cursor=xyz" })
        {
            await AssertProblemAsync(await admin.GetAsync($"/v1/complaints/due?{bad}"), HttpStatusCode.BadRequest);
        }

        // Another tenant's due lists never hold these complaints.
        var other = await CreateTenantAsync("Other Bank");
        Assert.That(await AllDue(other.Admin, ""), Is.Empty);
        Assert.That(await AllDue(other.Admin, "overdue=true"), Is.Empty);
        Assert.That(await AllDue(other.Admin, "kind=internal_sla"), Is.Empty);
    }

    [Test]
    public async Task Clock_settings_are_validated_audited_and_tenant_admin_only()
    {
        var tenant = await CreateTenantAsync();
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);

        Assert.That(await Read<ClockSettingsDto>(await agent.GetAsync("/v1/settings/clocks")), Is.EqualTo(new ClockSettingsDto(null, 2)));
        await Expect(await agent.PutAsJsonAsync("/v1/settings/clocks", new { atRiskDays = 1 }, Json), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 0, unit = "business_days" } }, Json),
            HttpStatusCode.BadRequest);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { atRiskDays = 61 }, Json), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks", new { internalSla = new { amount = 5, unit = "fortnights" } }, Json),
            HttpStatusCode.BadRequest);
        var set = await Read<ClockSettingsDto>(await tenant.Admin.PutAsJsonAsync("/v1/settings/clocks",
            new { internalSla = new { amount = 10, unit = "calendar_days" } }, Json));

        var other = await CreateTenantAsync("Other Bank");
        var audit = await Read<Page<AuditEntryDto>>(await tenant.Admin.GetAsync("/v1/audit?limit=200"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set, Is.EqualTo(new ClockSettingsDto(new InternalSlaDto(10, ClockUnit.CalendarDays), 2)));
            Assert.That(await Read<ClockSettingsDto>(await agent.GetAsync("/v1/settings/clocks")), Is.EqualTo(set));
            Assert.That(await Read<ClockSettingsDto>(await other.Admin.GetAsync("/v1/settings/clocks")), Is.EqualTo(new ClockSettingsDto(null, 2)));
            Assert.That(audit.Items.Count(e => e.Action == "settings.clocks_updated"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Closure_days_of_one_tenant_are_invisible_to_another_and_unchanged_by_it()
    {
        var a = await CreateTenantAsync("A Bank", "banking", "US");
        var b = await CreateTenantAsync("B Bank", "banking", "US");
        await Expect(await a.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-08-14", new { name = "A's closure" }, Json), HttpStatusCode.OK);

        var bCalendar = await Read<CalendarDto>(await b.Admin.GetAsync("/v1/calendar?year=2026"));
        await AssertProblemAsync(await b.Admin.DeleteAsync("/v1/calendar/closure-days/2026-08-14"), HttpStatusCode.NotFound);
        await Expect(await b.Admin.PutAsJsonAsync("/v1/calendar/closure-days/2026-08-14", new { name = "B's closure" }, Json), HttpStatusCode.OK);
        var aCalendar = await Read<CalendarDto>(await a.Admin.GetAsync("/v1/calendar?year=2026"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bCalendar.ClosureDays, Is.Empty);
            Assert.That(aCalendar.ClosureDays.Select(d => d.Name), Is.EqualTo(new[] { "A's closure" }));
        }
    }

    [Test]
    public async Task The_openapi_document_describes_the_clock_endpoints()
    {
        var doc = JsonNode.Parse(await (await Platform.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;
        var paths = doc["paths"]!.AsObject();

        using (Assert.EnterMultipleScope())
        {
            foreach (var path in new[]
                     {
                         "/v1/complaints/due", "/v1/calendar", "/v1/calendar/closure-days/{date}", "/v1/settings/clocks",
                         "/v1/complaints/{id}/received-at", "/v1/complaints/{id}/payment-services", "/v1/complaints/{id}/disability",
                     })
            {
                Assert.That(paths.ContainsKey(path) || paths.ContainsKey(path + "/"), Is.True, path);
            }

            var due = (paths["/v1/complaints/due"] ?? paths["/v1/complaints/due/"])!["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>());
            Assert.That(due, Is.SupersetOf(new[] { "overdue", "withinDays", "atRisk", "assigneeId", "status", "kind", "limit", "cursor" }));
        }
    }
}
