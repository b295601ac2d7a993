using System.Net;
using System.Net.Http.Json;
using Cms.Application.Reports.DotDisability;
using Cms.Domain.Staff;
using Cms.Tests.Support;
using static Cms.Tests.Api.OutcomesApiTests;

namespace Cms.Tests.Api.Reports;

/// <summary>The airline's annual DOT report of disability-related complaints (14 CFR 382.157, issue 21), next to the existing
/// report, on both databases: received ones by the DOT category their category maps to, the unmapped ones, the year's bounds.</summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class DotDisabilityReportApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    [Test]
    public async Task An_airline_reports_its_disability_complaints_of_a_year_by_dot_category()
    {
        var airline = await CreateTenantAsync("Sky Airline", "airline", "US");
        var admin = airline.Admin;
        var (_, auditor) = await airline.AddStaffAsync(Role.Auditor);
        var (_, agent) = await airline.AddStaffAsync(Role.Agent);
        var consumer = (await airline.RegisterConsumerAsync()).Id;
        await Expect(await admin.PutAsJsonAsync("/v1/return-mappings/dot_category", new
        {
            entries = new[] { new { code = "wheelchair", targetCode = "assistance_failure" }, new { code = "seat", targetCode = "seating" } },
        }, Json), HttpStatusCode.OK);

        // 2026 (New York time): two wheelchair complaints, one seating, one unmapped (baggage); one not about disability.
        var inYear = new[]
        {
            ("wheelchair", new DateTimeOffset(2026, 1, 1, 5, 30, 0, TimeSpan.Zero)), // 00:30 on 1 January in New York
            ("wheelchair", new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero)),
            ("seat", new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)),
            ("baggage", new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)),
        };
        foreach (var (category, at) in inYear)
        {
            var c = await FileAsync(admin, consumer, "flight", at, disability: true, category: category);
            await StepAsync(admin, c, "resolve", new { outcome = "upheld" });
        }

        await FileAsync(admin, consumer, "flight", new DateTimeOffset(2026, 2, 1, 12, 0, 0, TimeSpan.Zero), category: "wheelchair");
        // 23:30 on 31 December 2025 in New York: the year before.
        await FileAsync(admin, consumer, "flight", new DateTimeOffset(2026, 1, 1, 4, 30, 0, TimeSpan.Zero), disability: true, category: "seat");

        var report = await Read<DotDisabilityReportDto>(await auditor.GetAsync("/v1/reports/dot-disability?year=2026"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((report.Year, report.TimeZone, report.CategoryVersion), Is.EqualTo((2026, "America/New_York", 0)));
            Assert.That((report.Received, report.Unmapped), Is.EqualTo((4L, 1L)));
            Assert.That(report.DispositiveResponseWithin30Days, Is.Zero, "answered long after 30 days");
            Assert.That(report.ByCategory.Single(c => c.Code == "assistance_failure").Received, Is.EqualTo(2));
            Assert.That(report.ByCategory.Single(c => c.Code == "seating").Received, Is.EqualTo(1));
            Assert.That(report.ByCategory.Where(c => c.Code is not ("assistance_failure" or "seating")).Sum(c => c.Received), Is.Zero);
        }

        var before = await Read<DotDisabilityReportDto>(await auditor.GetAsync("/v1/reports/dot-disability?year=2025"));
        Assert.That(before.ByCategory.Single(c => c.Code == "seating").Received, Is.EqualTo(1));

        await ApiRequests.AssertProblemAsync(await agent.GetAsync("/v1/reports/dot-disability?year=2026"), HttpStatusCode.Forbidden);
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync("/v1/reports/dot-disability"), HttpStatusCode.BadRequest, "year");
        var bank = await CreateTenantAsync("A Bank");
        await ApiRequests.AssertProblemAsync(await bank.Admin.GetAsync("/v1/reports/dot-disability?year=2026"), HttpStatusCode.Conflict);
    }
}
