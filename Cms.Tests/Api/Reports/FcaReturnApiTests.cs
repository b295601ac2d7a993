using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cms.Application.Complaints;
using Cms.Application.LegalEntities;
using Cms.Application.Reports.FcaReturn;
using Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;
using Cms.Domain.LegalEntities;
using Cms.Domain.Staff;
using Cms.Tests.Application.Fakes;
using Cms.Tests.Support;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cms.Tests.Api.Reports;

/// <summary>
/// The FCA consolidated return (PS25/19, issue 21) over a hand-built data set whose every cell is computed by hand below,
/// on both databases: two legal entities of one tenant, complaints inside and outside the period, every closure band,
/// sterling and euro redress, both vulnerability data points, an unmapped product, a nil return, snapshots that survive an
/// erasure, an amendment listing exactly the corrected cells, and tenant isolation. The service runs on a settable clock so
/// the complaints are received, answered and closed on the days the figures say.
/// </summary>
[TestFixture(DatabaseKind.Sqlite)]
[TestFixture(DatabaseKind.Postgres)]
public sealed class FcaReturnApiTests(DatabaseKind kind) : ApiTestBase(kind)
{
    private const string Period = "2027-01-01";
    private readonly SettableTimeProvider _clock = new(new DateTimeOffset(2026, 12, 15, 10, 0, 0, TimeSpan.Zero));
    private WebApplicationFactory<Program> _clocked = null!;

    // The clock runs into mid-2027: audit and event partitions must exist that far ahead (PostgreSQL).
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { ["Cms:Audit:PartitionMonthsAhead"] = "12" };

    [OneTimeSetUp]
    public void StartClockedService() =>
        _clocked = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(_clock);
            // Tokens are minted on the real clock: validate them on it.
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.TimeProvider = TimeProvider.System);
        }));

    [OneTimeTearDown]
    public async Task StopClockedService() => await _clocked.DisposeAsync();

    private HttpClient Clocked(HttpClient like)
    {
        var client = _clocked.CreateClient();
        client.DefaultRequestHeaders.Authorization = like.DefaultRequestHeaders.Authorization;
        return client;
    }

    private static DateTimeOffset At(int year, int month, int day, int hour = 10) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    private async Task<ComplaintDto> FileAsync(HttpClient client, Guid consumerId, Guid? entity, string product, string category,
        DateTimeOffset receivedAt, bool vulnerable = false)
    {
        _clock.Set(receivedAt);
        return await Read<ComplaintDto>(await client.PostAsJsonAsync("/v1/complaints", new
        {
            consumerId, channel = "web", product, category, description = "Charged twice.", receivedAt, vulnerabilityInvolved = vulnerable,
            legalEntityId = entity,
        }, Json), HttpStatusCode.Created);
    }

    /// <summary>Resolves (the firm's response) and closes at <paramref name="answeredAt"/>.</summary>
    private async Task AnswerAsync(HttpClient client, ComplaintDto c, DateTimeOffset answeredAt, string outcome, long? minor = null,
        string currency = "GBP")
    {
        _clock.Set(answeredAt);
        var redress = minor is { } m ? new { monetary = new { amountMinor = m, currency } } : null;
        c = await Read<ComplaintDto>(await TransitionAsync(client, c.Id, "resolve", c.Version, new { outcome, redress }));
        await Read<ComplaintDto>(await TransitionAsync(client, c.Id, "close", c.Version));
    }

    private static async Task MapAsync(HttpClient admin, string kind, params (string Code, string Target)[] entries) =>
        await Expect(await admin.PutAsJsonAsync($"/v1/return-mappings/{kind}",
            new { entries = entries.Select(e => new { code = e.Code, targetCode = e.Target }) }, Json), HttpStatusCode.OK);

    private static async Task<FcaReturnDto> ReturnAsync(HttpClient client, Guid entity) =>
        await Read<FcaReturnDto>(await client.GetAsync($"/v1/reports/fca-complaints-return?legalEntityId={entity}&periodStart={Period}"));

    private static Task<HttpResponseMessage> SnapshotAsync(HttpClient client, Guid entity, object? context = null) =>
        client.PostAsJsonAsync("/v1/reports/fca-complaints-return/snapshots", new { legalEntityId = entity, periodStart = Period, context }, Json);

    private static FcaFigures F(long opened, long closed, long upheld, long within3, long within8, long after8, long redress) =>
        new(opened, closed, upheld, within3, within8, after8, redress);

    private static FcaFigures Line(FcaSection s, string code) =>
        s.ByProduct.Concat(s.ByCause).Single(l => l.Code == code).Figures;

    [Test]
    public async Task The_return_of_each_entity_matches_the_hand_built_data_set_cell_by_cell_and_snapshots_freeze_and_amend_it()
    {
        var tenant = await CreateTenantAsync("Group Bank");
        var admin = Clocked(tenant.Admin);
        var (_, auditorClient) = await tenant.AddStaffAsync(Role.Auditor);
        var auditor = Clocked(auditorClient);
        var (_, agentClient) = await tenant.AddStaffAsync(Role.Agent);
        var cards = (await Read<LegalEntityDto>(await admin.PostAsJsonAsync("/v1/legal-entities",
            new { name = "Group Cards Ltd", firmReferenceNumber = "654321", permissions = new[] { "consumer_credit", "payment_services" } }, Json),
            HttpStatusCode.Created)).Id;
        var quiet = (await Read<LegalEntityDto>(await admin.PostAsJsonAsync("/v1/legal-entities",
            new { name = "Group Insurance Ltd", firmReferenceNumber = "111111", permissions = new[] { "insurance" } }, Json),
            HttpStatusCode.Created)).Id;
        var bank = tenant.Id; // the default entity: banking
        await MapAsync(admin, "fca_product", ("current_account", "banking.current_account"), ("savings", "banking.savings_account"),
            ("credit_card", "consumer_credit.credit_card"), ("transfer", "payment_services.payment_transaction"));
        await MapAsync(admin, "fca_cause", ("fees", "terms_and_charges"), ("service", "service_and_administration"),
            ("vulnerability", "vulnerability_not_considered"), ("fraud", "fraud_and_scams"));
        var erasable = (await tenant.RegisterConsumerAsync()).Id;
        var consumer = (await tenant.RegisterConsumerAsync()).Id;

        // The bank (default entity), period 1 January - 30 June 2027:
        // A4 received 15 Dec 2026 (before the period), closed 10 Feb, upheld, EUR 10.00: outstanding at the start, closed, after 8 weeks.
        var a4 = await FileAsync(admin, erasable, null, "current_account", "fees", At(2026, 12, 15));
        // A1 Mon 11 Jan, answered the next day, upheld, GBP 50.00, vulnerable customer: within 3 business days.
        var a1 = await FileAsync(admin, consumer, null, "current_account", "fees", At(2027, 1, 11), vulnerable: true);
        await AnswerAsync(admin, a1, At(2027, 1, 12), "upheld", 5000);
        // A2 Mon 4 Jan, answered Mon 1 Feb (28 days), not upheld: within 8 weeks.
        var a2 = await FileAsync(admin, consumer, null, "savings", "service", At(2027, 1, 4));
        await AnswerAsync(admin, a2, At(2027, 2, 1), "not_upheld");
        // A3 Tue 5 Jan, about the firm's handling of vulnerability, answered 1 Apr (86 days), partly upheld, GBP 20.00: after 8 weeks.
        var a3 = await FileAsync(admin, consumer, null, "current_account", "vulnerability", At(2027, 1, 5));
        await AnswerAsync(admin, a4, At(2027, 2, 10), "upheld", 1000, "EUR");
        await AnswerAsync(admin, a3, At(2027, 4, 1), "partly_upheld", 2000);
        // A5 1 Mar, still open at the end. A7 2 Jul: after the period.
        await FileAsync(admin, consumer, null, "savings", "fees", At(2027, 3, 1));
        // The cards entity: B1 Mon 1 Feb answered Wed 3 Feb, upheld GBP 100.00; B2 Tue 2 Feb, vulnerable, withdrawn 1 Mar;
        // B3 10 Mar, a product the tenant has not mapped.
        var b1 = await FileAsync(admin, consumer, cards, "credit_card", "fees", At(2027, 2, 1, 9));
        await AnswerAsync(admin, b1, At(2027, 2, 3), "upheld", 10000);
        var b2 = await FileAsync(admin, consumer, cards, "transfer", "fraud", At(2027, 2, 2), vulnerable: true);
        await AnswerAsync(admin, b2, At(2027, 3, 1), "withdrawn");
        var b3 = await FileAsync(admin, consumer, cards, "mortgage", "fees", At(2027, 3, 10));
        await FileAsync(admin, consumer, null, "current_account", "fees", At(2027, 7, 2));

        // Another tenant's complaint, same codes and mapping, never counts for this tenant.
        var other = await CreateTenantAsync("Other Bank");
        var otherAdmin = Clocked(other.Admin);
        await MapAsync(otherAdmin, "fca_product", ("current_account", "banking.current_account"));
        var theirs = await FileAsync(otherAdmin, (await other.RegisterConsumerAsync()).Id, null, "current_account", "fees", At(2027, 1, 11));
        await AnswerAsync(otherAdmin, theirs, At(2027, 1, 12), "upheld", 777);

        _clock.Set(At(2027, 7, 5));
        var a = await ReturnAsync(auditor, bank);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((a.PeriodStart, a.PeriodEnd, a.TimeZone, a.NilReturn), Is.EqualTo((new DateOnly(2027, 1, 1), new DateOnly(2027, 6, 30), "Europe/London", false)));
            Assert.That((a.ProductTaxonomyVersion, a.CauseTaxonomyVersion), Is.EqualTo((0, 0)), "the built-in FCA taxonomies");
            Assert.That(a.OutstandingAtStart, Is.EqualTo(1), "A4");
            Assert.That(a.Totals, Is.EqualTo(F(4, 4, 3, 1, 1, 2, 7000)), "opened A1 A2 A3 A5; closed A1-A4; upheld A1 A3 A4; GBP A1+A3");
            Assert.That(a.Sections.Select(s => s.Permission), Is.EqualTo(new[] { FcaPermission.Banking }));
            var banking = a.Sections[0];
            Assert.That(banking.Totals, Is.EqualTo(a.Totals));
            Assert.That(Line(banking, "banking.current_account"), Is.EqualTo(F(2, 3, 3, 1, 0, 2, 7000)), "A1 A3 opened; A1 A3 A4 closed");
            Assert.That(Line(banking, "banking.savings_account"), Is.EqualTo(F(2, 1, 0, 0, 1, 0, 0)), "A2 A5 opened; A2 closed");
            Assert.That(Line(banking, "banking.overdraft"), Is.EqualTo(FcaFigures.Zero));
            Assert.That(Line(banking, "terms_and_charges"), Is.EqualTo(F(2, 2, 2, 1, 0, 1, 5000)), "A1 A5 opened; A1 A4 closed");
            Assert.That(Line(banking, "service_and_administration"), Is.EqualTo(F(1, 1, 0, 0, 1, 0, 0)), "A2");
            Assert.That(Line(banking, "vulnerability_not_considered"), Is.EqualTo(F(1, 1, 1, 0, 0, 1, 2000)), "A3");
            Assert.That(Line(banking, "fraud_and_scams"), Is.EqualTo(FcaFigures.Zero));
            Assert.That(banking.Context.Single(), Is.EqualTo(new FcaContextValue("accounts_open_at_period_end", "Accounts open at the end of the period", null)));
            Assert.That(a.Vulnerability, Is.EqualTo(new FcaVulnerability(1, 1)), "A1 vulnerable; A3 about vulnerability");
            Assert.That(a.DataQuality, Is.EqualTo(new FcaDataQuality(0, 0, 0, 1)), "A4's euros");
        }

        var b = await ReturnAsync(auditor, cards);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((b.OutstandingAtStart, b.Totals), Is.EqualTo((0L, F(3, 2, 1, 1, 1, 0, 10000))), "B1 B2 B3 opened; B1 B2 closed");
            Assert.That(b.Sections.Select(s => s.Permission), Is.EqualTo(new[] { FcaPermission.ConsumerCredit, FcaPermission.PaymentServices }));
            Assert.That(b.Sections[0].Totals, Is.EqualTo(F(1, 1, 1, 1, 0, 0, 10000)), "B1");
            Assert.That(Line(b.Sections[0], "consumer_credit.credit_card"), Is.EqualTo(F(1, 1, 1, 1, 0, 0, 10000)));
            Assert.That(Line(b.Sections[1], "payment_services.payment_transaction"), Is.EqualTo(F(1, 1, 0, 0, 1, 0, 0)), "B2");
            Assert.That(Line(b.Sections[1], "fraud_and_scams"), Is.EqualTo(F(1, 1, 0, 0, 1, 0, 0)));
            Assert.That(b.Vulnerability, Is.EqualTo(new FcaVulnerability(1, 0)), "B2");
            Assert.That(b.DataQuality, Is.EqualTo(new FcaDataQuality(1, 0, 0, 0)), "B3's product is unmapped");
        }

        // The unmapped complaint is flagged, and blocks the snapshot, until the tenant maps its product.
        var unmapped = await Read<List<UnmappedComplaintDto>>(await auditor.GetAsync(
            $"/v1/reports/fca-complaints-return/unmapped?legalEntityId={cards}&periodStart={Period}"));
        Assert.That(unmapped.Select(u => (u.ComplaintId, u.ProductUnmapped, u.CauseUnmapped)), Is.EqualTo(new[] { (b3.Id, true, false) }));
        await ApiRequests.AssertProblemAsync(await SnapshotAsync(admin, cards), HttpStatusCode.Conflict);
        await MapAsync(admin, "fca_product", ("current_account", "banking.current_account"), ("savings", "banking.savings_account"),
            ("credit_card", "consumer_credit.credit_card"), ("transfer", "payment_services.payment_transaction"), ("mortgage", "home_finance.mortgage"));
        Assert.That((await ReturnAsync(auditor, cards)).DataQuality, Is.EqualTo(new FcaDataQuality(0, 0, 1, 0)), "a mortgage is outside its permissions");
        await Expect(await SnapshotAsync(admin, cards), HttpStatusCode.Created);

        // A nil return: the insurance entity had no complaints.
        var nil = await ReturnAsync(auditor, quiet);
        Assert.That((nil.NilReturn, nil.Sections.Count, nil.Totals), Is.EqualTo((true, 0, FcaFigures.Zero)));
        using var nilCsv = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports/fca-complaints-return?legalEntityId={quiet}&periodStart={Period}");
        nilCsv.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        Assert.That((await (await auditor.SendAsync(nilCsv)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[]
            {
                "section,product,cause,metric,value", "return,,,firm_reference_number,111111", "return,,,period_start,2027-01-01",
                "return,,,period_end,2027-06-30", "return,,,nil_return,yes",
            }));

        // The bank's return as CSV, in the return's layout.
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/v1/reports/fca-complaints-return?legalEntityId={bank}&periodStart={Period}");
        csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = (await (await auditor.SendAsync(csvRequest)).Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(csv, Is.SupersetOf(new[]
        {
            "return,,,nil_return,no", "return,,,outstanding_at_start,1", "return,,,opened,4", "return,,,redress_paid_gbp_minor,7000",
            "banking,banking.current_account,,closed_after_eight_weeks,2", "banking,,terms_and_charges,closed_within_three_business_days,1",
            "banking,,,context.accounts_open_at_period_end,", "vulnerability,,,complaints_from_vulnerable_customers,1",
            "vulnerability,,,failure_to_consider_vulnerability,1",
        }));

        // Freeze the bank's period, with its context; erase A4's consumer; nothing in the figures moves.
        var original = await Read<FcaReturnSnapshotDto>(await SnapshotAsync(admin, bank, new Dictionary<string, long>
        {
            ["banking.accounts_open_at_period_end"] = 120_000,
        }), HttpStatusCode.Created);
        Assert.That((original.Sequence, original.Differences.Count, original.Return.Sections[0].Context[0].Value), Is.EqualTo((1, 0, (long?)120_000)));
        await Expect(await tenant.Admin.PostAsync($"/v1/consumers/{erasable}/erasure", null), HttpStatusCode.OK);
        await ApiRequests.AssertProblemAsync(await SnapshotAsync(admin, bank), HttpStatusCode.Conflict); // unchanged
        Assert.That((await ReturnAsync(auditor, bank)).Totals, Is.EqualTo(a.Totals), "the live return after the erasure");

        // A correction: A1 was in fact received a week earlier, Mon 4 Jan, so its answer on 12 Jan came within 8 weeks, not 3 business days.
        a1 = await Read<ComplaintDto>(await admin.GetAsync($"/v1/complaints/{a1.Id}"));
        await Read<ComplaintDto>(await TransitionAsync(admin, a1.Id, "received-at", a1.Version, new { receivedAt = At(2027, 1, 4) }));
        var amended = await Read<FcaReturnSnapshotDto>(await SnapshotAsync(admin, bank), HttpStatusCode.Created);
        Assert.That(amended.Sequence, Is.EqualTo(2));
        Assert.That(amended.Return.Sections[0].Context[0].Value, Is.EqualTo(120_000), "the context supplied before is kept");
        Assert.That(amended.Differences, Is.EquivalentTo(new[]
        {
            new FcaDifference("return", "", "", "closed_within_three_business_days", "1", "0"),
            new FcaDifference("return", "", "", "closed_within_eight_weeks", "1", "2"),
            new FcaDifference("banking", "", "", "closed_within_three_business_days", "1", "0"),
            new FcaDifference("banking", "", "", "closed_within_eight_weeks", "1", "2"),
            new FcaDifference("banking", "banking.current_account", "", "closed_within_three_business_days", "1", "0"),
            new FcaDifference("banking", "banking.current_account", "", "closed_within_eight_weeks", "0", "1"),
            new FcaDifference("banking", "", "terms_and_charges", "closed_within_three_business_days", "1", "0"),
            new FcaDifference("banking", "", "terms_and_charges", "closed_within_eight_weeks", "0", "1"),
        }));
        var snapshots = await Read<List<FcaReturnSnapshotDto>>(await auditor.GetAsync(
            $"/v1/reports/fca-complaints-return/snapshots?legalEntityId={bank}&periodStart={Period}"));
        Assert.That(snapshots.Select(s => s.Sequence), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(snapshots[0].Return.Totals, Is.EqualTo(a.Totals), "the original stays as frozen");

        // Who may do what; a period that has not ended cannot be frozen; bad periods are 400.
        var agent = Clocked(agentClient);
        await ApiRequests.AssertProblemAsync(await agent.GetAsync($"/v1/reports/fca-complaints-return?legalEntityId={bank}&periodStart={Period}"),
            HttpStatusCode.Forbidden);
        await ApiRequests.AssertProblemAsync(await SnapshotAsync(auditor, bank), HttpStatusCode.Forbidden);
        await ApiRequests.AssertProblemAsync(await admin.PostAsJsonAsync("/v1/reports/fca-complaints-return/snapshots",
            new { legalEntityId = bank, periodStart = "2027-07-01" }, Json), HttpStatusCode.Conflict);
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync($"/v1/reports/fca-complaints-return?legalEntityId={bank}&periodStart=2027-02-01"),
            HttpStatusCode.BadRequest, "periodStart");
        await ApiRequests.AssertProblemAsync(await auditor.GetAsync($"/v1/reports/fca-complaints-return?legalEntityId=nope&periodStart={Period}"),
            HttpStatusCode.BadRequest, "legalEntityId");

        // Tenant isolation: the other tenant sees only its own complaint, and none of this tenant's entities or snapshots.
        var otherReturn = await ReturnAsync(otherAdmin, other.Id);
        Assert.That(otherReturn.Totals, Is.EqualTo(F(1, 1, 1, 1, 0, 0, 777)));
        Assert.That(otherReturn.DataQuality.UnmappedCause, Is.EqualTo(1), "its categories are not mapped");
        foreach (var path in new[]
                 {
                     $"/v1/reports/fca-complaints-return?legalEntityId={bank}&periodStart={Period}",
                     $"/v1/reports/fca-complaints-return?legalEntityId={cards}&periodStart={Period}",
                     $"/v1/reports/fca-complaints-return/snapshots?legalEntityId={bank}&periodStart={Period}",
                     $"/v1/reports/fca-complaints-return/unmapped?legalEntityId={cards}&periodStart={Period}",
                 })
        {
            await ApiRequests.AssertProblemAsync(await otherAdmin.GetAsync(path), HttpStatusCode.NotFound);
        }

        await ApiRequests.AssertProblemAsync(await SnapshotAsync(otherAdmin, cards), HttpStatusCode.NotFound);
    }
}
