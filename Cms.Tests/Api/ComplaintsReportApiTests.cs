using System.Net;
using System.Net.Http.Headers;
using Cms.Application.Complaints;
using Cms.Application.Reports;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.OutcomesApiTests;

namespace Cms.Tests.Api;

/// <summary>
/// GET /v1/reports/complaints against a seeded set whose every figure is known (docs/regulatory-returns.md), on both
/// databases: the FCA-style totals and breakdowns, the CFPB-style categories, vulnerability and DOT disability counts, in
/// JSON and CSV; merged duplicates, reopened complaints, complaints outside the period and other tenants' complaints do not count.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class ComplaintsReportApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private static readonly TimeZoneInfo LondonZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private static DateOnly LocalToday(TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);

    private static string Period(DateOnly from, DateOnly to) => $"from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}";

    private static ReportFigures Figures(long opened, long closed, long within3, long within8, long after8, long upheld, long partly, long notUpheld,
        long withdrawn, params MoneyDto[] redress) =>
        new(opened, closed, within3, within8, after8, upheld, partly, notUpheld, withdrawn, redress);

    /// <summary>Compares figures by value (records compare their redress list by reference).</summary>
    private static void Same(ReportFigures actual, ReportFigures expected, string what)
    {
        Assert.That(actual with { RedressPaid = [] }, Is.EqualTo(expected with { RedressPaid = [] }), what);
        Assert.That(actual.RedressPaid, Is.EqualTo(expected.RedressPaid), $"{what}: redress paid");
    }

    [Test]
    public async Task Every_figure_of_the_return_matches_the_seeded_set()
    {
        var tenant = await CreateTenantAsync("Report Bank");
        var admin = tenant.Admin;
        var (_, supervisor) = await tenant.AddStaffAsync(Role.Supervisor);
        var (_, auditor) = await tenant.AddStaffAsync(Role.Auditor);
        var (_, agent) = await tenant.AddStaffAsync(Role.Agent);
        var consumer = (await tenant.RegisterConsumerAsync(admin)).Id;
        await PublishAsync(admin, "root_cause", "fees_error", "service");
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset DaysAgo(int days) => ApiRequests.Seconds(now.AddDays(-days));
        object Money(long minor, string currency) => new { amountMinor = minor, currency };

        async Task<ComplaintDto> Closed(string product, int daysAgo, string outcome, object? redress, string? rootCause, bool vulnerable = false,
            bool disability = false)
        {
            var c = await FileAsync(admin, consumer, product, daysAgo == 0 ? null : DaysAgo(daysAgo), vulnerable, disability);
            c = await StepAsync(admin, c, "resolve", new { outcome, redress, rootCause });
            return await StepAsync(admin, c, "close");
        }

        // c1: today, upheld, £25.00, health driver with consent: closed within 3 business days, monetary relief.
        var c1 = await Closed("current_account", 0, "upheld", new { monetary = Money(2500, "GBP") }, "fees_error");
        await Read<ComplaintDto>(await admin.SendAsync(ApiRequests.Json(HttpMethod.Put, $"/v1/complaints/{c1.Id}/vulnerability",
            new { involved = true, drivers = new[] { "health" }, consentGivenAt = DaysAgo(0).AddMinutes(-5) }, c1.Version)));
        // c2: 20 days ago, partly upheld, an apology only: within 8 weeks, non-monetary relief.
        await Closed("current_account", 20, "partly_upheld", new { nonMonetary = "Written apology" }, "fees_error");
        // c3: 70 days ago, not upheld, vulnerable (no drivers): after 8 weeks, explanation.
        await Closed("mortgage", 70, "not_upheld", null, "service", vulnerable: true);
        // c4: 30 days ago, upheld, €10.00 and a gesture: within 8 weeks, monetary relief takes precedence.
        await Closed("mortgage", 30, "upheld", new { monetary = Money(1000, "EUR"), nonMonetary = "Fee waived" }, "service");
        // c5: 10 days ago, still open, disability, life event and capability drivers with consent.
        var c5 = await FileAsync(admin, consumer, "mortgage", DaysAgo(10), disability: true);
        await Read<ComplaintDto>(await admin.SendAsync(ApiRequests.Json(HttpMethod.Put, $"/v1/complaints/{c5.Id}/vulnerability",
            new { involved = true, drivers = new[] { "life_event", "capability" }, consentGivenAt = DaysAgo(1) }, c5.Version)));
        // c6: received 150 days ago (before the period), closed now: closed in the period, not opened in it; after 8 weeks.
        await Closed("current_account", 150, "upheld", new { monetary = Money(500, "GBP") }, "fees_error");
        // c7: received 200 days ago and still open: nothing.
        await FileAsync(admin, consumer, "current_account", DaysAgo(200));
        // c8 merged into c9: one complaint received 40 days ago, open.
        var c8 = await FileAsync(admin, consumer, "loan", DaysAgo(40));
        var c9 = await FileAsync(admin, consumer, "loan", DaysAgo(5));
        await StepAsync(admin, c9, "merge", new { duplicateId = c8.Id });
        // c10: closed, then reopened: opened, not closed.
        var c10 = await Closed("loan", 15, "upheld", new { monetary = Money(9900, "GBP") }, "fees_error");
        await StepAsync(supervisor, c10, "reopen");
        // c11: 2 days ago, withdrawn, no root cause: within 3 business days, explanation.
        await Closed("current_account", 2, "withdrawn", null, null);
        // c12: 12 days ago, disability, not upheld: within 8 weeks, explanation.
        await Closed("mortgage", 12, "not_upheld", null, null, disability: true);

        // Another tenant's closed complaint must not count.
        var other = await CreateTenantAsync("Other Bank");
        var otherConsumer = (await other.RegisterConsumerAsync(other.Admin)).Id;
        var o = await FileAsync(other.Admin, otherConsumer, "current_account");
        o = await StepAsync(other.Admin, o, "resolve", new { outcome = "upheld", redress = new { monetary = Money(777, "GBP") } });
        await StepAsync(other.Admin, o, "close");

        var today = LocalToday(LondonZone);
        var from = today.AddDays(-100);
        var to = today.AddDays(1); // the closures happen now; a day of margin should the test cross local midnight
        var report = await Read<ComplaintsReportDto>(await auditor.GetAsync($"/v1/reports/complaints?{Period(from, to)}"));

        var gbp = new MoneyDto(3000, "GBP");
        var eur = new MoneyDto(1000, "EUR");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((report.From, report.To, report.TimeZone), Is.EqualTo((from, to, "Europe/London")));
            Assert.That(report.PeriodStart, Is.EqualTo(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(from.ToDateTime(TimeOnly.MinValue), LondonZone))));
            Assert.That(report.PeriodEnd, Is.EqualTo(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(to.AddDays(1).ToDateTime(TimeOnly.MinValue), LondonZone))));

            Same(report.Totals, Figures(9, 7, 2, 3, 2, 4, 1, 2, 1, eur, gbp), "totals");

            Assert.That(report.ByProduct.Select(g => g.Code), Is.EqualTo(new[] { "current_account", "loan", "mortgage" }));
            Same(report.ByProduct[0].Figures, Figures(3, 4, 2, 1, 1, 3, 1, 0, 1, gbp), "current_account");
            Same(report.ByProduct[1].Figures, Figures(2, 0, 0, 0, 0, 0, 0, 0, 0), "loan");
            Same(report.ByProduct[2].Figures, Figures(4, 3, 0, 2, 1, 1, 0, 2, 0, eur), "mortgage");

            Assert.That(report.ByRootCause.Select(g => g.Code), Is.EqualTo(new[] { null, "fees_error", "service" }));
            Same(report.ByRootCause[0].Figures, Figures(4, 2, 1, 1, 0, 0, 0, 1, 1), "no root cause");
            Same(report.ByRootCause[1].Figures, Figures(3, 3, 1, 1, 1, 3, 1, 0, 0, gbp), "fees_error");
            Same(report.ByRootCause[2].Figures, Figures(2, 2, 0, 1, 1, 1, 0, 1, 0, eur), "service");

            Assert.That(report.Vulnerability, Is.EqualTo(new VulnerabilityFigures(3, 2, 1, 1, 0, 1)));
            Assert.That(report.Cfpb, Is.EqualTo(new ReliefFigures(3, 1, 3)));
            Assert.That(report.Disability, Is.EqualTo(new DisabilityFigures(2, 1, 0)));
        }

        // A period that ends before the closures: c3 (70 days ago) and c6 are not opened in it, nothing is closed in it.
        var early = await Read<ComplaintsReportDto>(await supervisor.GetAsync($"/v1/reports/complaints?{Period(today.AddDays(-45), today.AddDays(-25))}"));
        Same(early.Totals, Figures(2, 0, 0, 0, 0, 0, 0, 0, 0), "c9 (merged, 40 days) and c4 (30 days)");

        // The same return as CSV, one figure a line.
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports/complaints?{Period(from, to)}");
        csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csvResponse = await auditor.SendAsync(csvRequest);
        await Expect(csvResponse, HttpStatusCode.OK);
        Assert.That(csvResponse.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        var lines = (await csvResponse.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("section,product,root_cause,metric,currency,value"));
        Assert.That(lines, Is.SupersetOf(new[]
        {
            "totals,,,opened,,9", "totals,,,closed,,7", "totals,,,closed_within_three_business_days,,2", "totals,,,upheld,,4",
            "totals,,,redress_paid_minor,EUR,1000", "totals,,,redress_paid_minor,GBP,3000", "by_product,mortgage,,closed,,3",
            "by_root_cause,,fees_error,upheld,,3", "by_root_cause,,,withdrawn,,1", "vulnerability,,,driver_health,,1",
            "cfpb,,,closed_with_monetary_relief,,3", "cfpb,,,closed_with_explanation,,3", "disability,,,opened,,2",
        }));

        // Who may read it, and bad periods.
        await ApiRequests.AssertProblemAsync(await agent.GetAsync($"/v1/reports/complaints?{Period(from, to)}"), HttpStatusCode.Forbidden);
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync($"/v1/reports/complaints?to={to:yyyy-MM-dd}"), HttpStatusCode.BadRequest, "from");
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync("/v1/reports/complaints?from=2026-02-30&to=2026-03-01"), HttpStatusCode.BadRequest, "from");
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync($"/v1/reports/complaints?{Period(to, from)}"), HttpStatusCode.BadRequest, "to");
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync("/v1/reports/complaints?from=2020-01-01&to=2026-01-01"), HttpStatusCode.BadRequest, "to");

        // The other tenant sees only its own complaint.
        var theirs = await Read<ComplaintsReportDto>(await other.Admin.GetAsync($"/v1/reports/complaints?{Period(from, to)}"));
        Same(theirs.Totals, Figures(1, 1, 1, 0, 0, 1, 0, 0, 0, new MoneyDto(777, "GBP")), "other tenant");
    }

    [Test]
    public async Task Correcting_the_receipt_date_of_a_closed_complaint_moves_it_between_the_closure_bands()
    {
        var tenant = await CreateTenantAsync("Band Bank");
        var admin = tenant.Admin;
        var consumer = (await tenant.RegisterConsumerAsync(admin)).Id;
        var c = await FileAsync(admin, consumer, "current_account");
        c = await StepAsync(admin, c, "resolve", new { outcome = "upheld" });
        c = await StepAsync(admin, c, "close");
        var today = LocalToday(LondonZone);
        var period = Period(today.AddDays(-100), today.AddDays(1));

        async Task<ReportFigures> Totals() =>
            (await Read<ComplaintsReportDto>(await admin.GetAsync($"/v1/reports/complaints?{period}"))).Totals;

        var closedNow = await Totals();
        c = await StepAsync(admin, c, "received-at", new { receivedAt = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-20)) });
        var twentyDays = await Totals();
        var history = await Read<Cms.Application.Common.Page<Cms.Application.Audit.AuditEntryDto>>(
            await admin.GetAsync($"/v1/complaints/{c.Id}/history?limit=100"));
        c = await StepAsync(admin, c, "received-at", new { receivedAt = ApiRequests.Seconds(DateTimeOffset.UtcNow.AddDays(-70)) });
        var seventyDays = await Totals();

        using (Assert.EnterMultipleScope())
        {
            Same(closedNow, Figures(1, 1, 1, 0, 0, 1, 0, 0, 0), "received and closed today");
            Same(twentyDays, Figures(1, 1, 0, 1, 0, 1, 0, 0, 0), "received 20 days before the response");
            Same(seventyDays, Figures(1, 1, 0, 0, 1, 1, 0, 0, 0), "received 70 days before the response");
            Assert.That(c.ClosureBand, Is.EqualTo(Cms.Domain.Complaints.ClosureBand.AfterEightWeeks));
            Assert.That(history.Items.Single(e => e.Action == "complaint.received_at_corrected").ChangedFields,
                Is.EqualTo(new[] { "receivedAt", "deadlines", "closureBand" }));
        }
    }

    [Test]
    public async Task Disability_complaints_count_the_dispositive_responses_made_within_30_days()
    {
        var airline = await CreateTenantAsync("Sky Airline", "airline", "US");
        var consumer = (await airline.RegisterConsumerAsync(airline.Admin)).Id;
        var now = DateTimeOffset.UtcNow;
        foreach (var daysAgo in new[] { 10, 40 })
        {
            var c = await FileAsync(airline.Admin, consumer, "flight", ApiRequests.Seconds(now.AddDays(-daysAgo)), disability: true);
            c = await StepAsync(airline.Admin, c, "resolve", new { outcome = "upheld" });
            await StepAsync(airline.Admin, c, "close");
        }

        await FileAsync(airline.Admin, consumer, "flight", ApiRequests.Seconds(now.AddDays(-3)));
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var today = LocalToday(zone);
        var report = await Read<ComplaintsReportDto>(await airline.Admin.GetAsync($"/v1/reports/complaints?{Period(today.AddDays(-60), today.AddDays(1))}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.TimeZone, Is.EqualTo("America/New_York"));
            Assert.That(report.Disability, Is.EqualTo(new DisabilityFigures(2, 2, 1)));
            Assert.That(report.Totals.Opened, Is.EqualTo(3));
        }
    }
}
