using System.Globalization;
using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

/// <summary>
/// Exact due instants per profile. A deadline is due at the last tick before local midnight of its due day in the
/// profile's zone; business days are Monday to Friday and the day of receipt does not count.
/// 2026 clock changes: Europe 29 March (forward) and 25 October (back); New York 8 March and 1 November.
/// </summary>
public sealed partial class RegulatoryDeadlineTests
{
    private static readonly ComplaintFlags Psd2 = new(PaymentServices: true, Disability: false);
    private static readonly ComplaintFlags Disability = new(PaymentServices: false, Disability: true);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Every event the clocks react to, as if each had happened: deadlines that bind only after one are there too.</summary>
    private static readonly IReadOnlySet<DeadlineMetBy> EveryEvent = Enum.GetValues<DeadlineMetBy>().ToHashSet();

    private static void AssertDue(RegulatoryProfile profile, ComplaintFlags flags, string receivedAt, DeadlineKind kind, string expected)
    {
        var deadlines = profile.ComputeDeadlines(At(receivedAt), flags, occurred: EveryEvent);

        var deadline = deadlines.SingleOrDefault(d => d.Kind == kind);
        Assert.That(deadline, Is.Not.Null, $"{profile.Code} has no {kind} deadline for {flags}");
        Assert.That(deadline!.DueAt, Is.EqualTo(At(expected)));
        Assert.That(deadline.DueAt.Offset, Is.EqualTo(TimeSpan.Zero), "due instants are UTC");
    }

    // ---- UK banking (Europe/London) -----------------------------------------------------------------------------

    // Friday in GMT; the due days are after the clocks go forward (BST, UTC+1).
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.SummaryResolution, "2026-04-01T22:59:59.9999999Z")]
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.FinalResponse, "2026-05-22T22:59:59.9999999Z")]
    // Receipt on Thursday, Friday, Saturday, Sunday and Monday (BST).
    [TestCase("2026-06-04T09:00:00Z", DeadlineKind.SummaryResolution, "2026-06-09T22:59:59.9999999Z")]
    [TestCase("2026-06-05T09:00:00Z", DeadlineKind.SummaryResolution, "2026-06-10T22:59:59.9999999Z")]
    [TestCase("2026-06-06T09:00:00Z", DeadlineKind.SummaryResolution, "2026-06-10T22:59:59.9999999Z")]
    [TestCase("2026-06-07T09:00:00Z", DeadlineKind.SummaryResolution, "2026-06-10T22:59:59.9999999Z")]
    [TestCase("2026-06-08T09:00:00Z", DeadlineKind.SummaryResolution, "2026-06-11T22:59:59.9999999Z")]
    [TestCase("2026-06-04T09:00:00Z", DeadlineKind.FinalResponse, "2026-07-30T22:59:59.9999999Z")]
    [TestCase("2026-06-05T09:00:00Z", DeadlineKind.FinalResponse, "2026-07-31T22:59:59.9999999Z")]
    [TestCase("2026-06-06T09:00:00Z", DeadlineKind.FinalResponse, "2026-08-01T22:59:59.9999999Z")]
    [TestCase("2026-06-07T09:00:00Z", DeadlineKind.FinalResponse, "2026-08-02T22:59:59.9999999Z")]
    // The local date decides: 22:59 UTC on Friday is Friday 23:59 BST, 23:30 UTC is Saturday 00:30 BST.
    [TestCase("2026-06-05T22:59:00Z", DeadlineKind.SummaryResolution, "2026-06-10T22:59:59.9999999Z")]
    [TestCase("2026-06-05T22:59:00Z", DeadlineKind.FinalResponse, "2026-07-31T22:59:59.9999999Z")]
    [TestCase("2026-06-05T23:30:00Z", DeadlineKind.FinalResponse, "2026-08-01T22:59:59.9999999Z")]
    // Across the spring clock change: due before it (GMT), on the first days after it (BST).
    [TestCase("2026-03-24T12:00:00Z", DeadlineKind.SummaryResolution, "2026-03-27T23:59:59.9999999Z")]
    [TestCase("2026-03-25T12:00:00Z", DeadlineKind.SummaryResolution, "2026-03-30T22:59:59.9999999Z")]
    [TestCase("2026-03-26T12:00:00Z", DeadlineKind.SummaryResolution, "2026-03-31T22:59:59.9999999Z")]
    [TestCase("2026-03-26T12:00:00Z", DeadlineKind.FinalResponse, "2026-05-21T22:59:59.9999999Z")]
    // Across the autumn clock change: received in BST, due in GMT.
    [TestCase("2026-10-23T12:00:00Z", DeadlineKind.SummaryResolution, "2026-10-28T23:59:59.9999999Z")]
    [TestCase("2026-10-23T12:00:00Z", DeadlineKind.FinalResponse, "2026-12-18T23:59:59.9999999Z")]
    [TestCase("2026-09-04T12:00:00Z", DeadlineKind.FinalResponse, "2026-10-30T23:59:59.9999999Z")]
    // Across the year end: 1 January 2027 is a bank holiday.
    [TestCase("2026-12-30T12:00:00Z", DeadlineKind.SummaryResolution, "2027-01-05T23:59:59.9999999Z")]
    [TestCase("2026-12-30T12:00:00Z", DeadlineKind.FinalResponse, "2027-02-24T23:59:59.9999999Z")]
    [TestCase("2026-12-31T23:30:00Z", DeadlineKind.SummaryResolution, "2027-01-06T23:59:59.9999999Z")]
    // Christmas 2026 (Friday 25, substitute Boxing Day Monday 28) and Easter 2026 (3 and 6 April).
    [TestCase("2026-12-24T12:00:00Z", DeadlineKind.SummaryResolution, "2026-12-31T23:59:59.9999999Z")]
    [TestCase("2026-04-02T12:00:00Z", DeadlineKind.SummaryResolution, "2026-04-09T22:59:59.9999999Z")]
    [TestCase("2026-12-31T23:30:00Z", DeadlineKind.FinalResponse, "2027-02-25T23:59:59.9999999Z")]
    public void Uk_banking(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UkBanking, ComplaintFlags.None, receivedAt, kind, expected);

    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.SummaryResolution, "2026-04-01T22:59:59.9999999Z")]
    // Good Friday, Easter Monday and the early May bank holiday fall inside.
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesFinalResponse, "2026-04-21T22:59:59.9999999Z")]
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesExceptionalFinalResponse, "2026-05-20T22:59:59.9999999Z")]
    [TestCase("2026-06-06T09:00:00Z", DeadlineKind.PaymentServicesFinalResponse, "2026-06-26T22:59:59.9999999Z")]
    [TestCase("2026-06-06T09:00:00Z", DeadlineKind.PaymentServicesExceptionalFinalResponse, "2026-07-24T22:59:59.9999999Z")]
    [TestCase("2026-12-30T12:00:00Z", DeadlineKind.PaymentServicesFinalResponse, "2027-01-21T23:59:59.9999999Z")]
    public void Uk_banking_payment_services(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UkBanking, Psd2, receivedAt, kind, expected);

    /// <summary>Version 1 of the UK banking profile counted bank holidays as business days: complaints filed under it
    /// keep (and are recomputed with) those deadlines.</summary>
    [TestCase("2026-12-30T12:00:00Z", DeadlineKind.SummaryResolution, "2027-01-04T23:59:59.9999999Z")]
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesFinalResponse, "2026-04-17T22:59:59.9999999Z")]
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesExceptionalFinalResponse, "2026-05-15T22:59:59.9999999Z")]
    public void Uk_banking_version_1_skips_weekends_only(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.Get("uk_banking_fca_disp1", 1)!, Psd2, receivedAt, kind, expected);

    /// <summary>Regulation E counts the institution's business days: federal holidays and its own closure days.</summary>
    [TestCase("2026-11-20T15:00:00Z", DeadlineKind.ErrorInvestigation, "2026-12-08T04:59:59.9999999Z")] // Thanksgiving 26 Nov
    [TestCase("2026-12-17T15:00:00Z", DeadlineKind.ErrorInvestigation, "2027-01-05T04:59:59.9999999Z")] // 25 Dec, 1 Jan
    [TestCase("2026-06-30T15:00:00Z", DeadlineKind.ErrorInvestigation, "2026-07-16T03:59:59.9999999Z")] // 3 July observed
    public void Us_banking_regulation_e_skips_federal_holidays(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UsBanking, Psd2, receivedAt, kind, expected);

    [Test]
    public void Closure_days_extend_firm_open_day_rules_but_never_statutory_ones()
    {
        var closures = new ClosureDays([new DateOnly(2026, 3, 30), new DateOnly(2026, 3, 31)]);
        var received = At("2026-03-27T14:00:00Z");

        DateTimeOffset Due(RegulatoryProfile profile, DeadlineKind kind, ClosureDays? c) =>
            profile.ComputeDeadlines(received, Psd2, c).Single(d => d.Kind == kind).DueAt;

        using (Assert.EnterMultipleScope())
        {
            // Regulation E: 10 business days from Friday 27 March end on 10 April; two closure days push it to 14 April.
            Assert.That(Due(RegulatoryProfiles.UsBanking, DeadlineKind.ErrorInvestigation, closures), Is.EqualTo(At("2026-04-15T03:59:59.9999999Z")));
            Assert.That(Due(RegulatoryProfiles.UsBanking, DeadlineKind.ErrorInvestigation, null), Is.EqualTo(At("2026-04-11T03:59:59.9999999Z")));
            // Calendar-day rules ignore them.
            Assert.That(Due(RegulatoryProfiles.UsBanking, DeadlineKind.CompanyResponse, closures), Is.EqualTo(At("2026-04-12T03:59:59.9999999Z")));
            // FCA business days are statutory: a firm's closure does not give it more time.
            Assert.That(Due(RegulatoryProfiles.UkBanking, DeadlineKind.SummaryResolution, closures),
                Is.EqualTo(Due(RegulatoryProfiles.UkBanking, DeadlineKind.SummaryResolution, null)));
            // PSD2 in the EU: the firm's open days.
            Assert.That(Due(RegulatoryProfiles.EuBanking, DeadlineKind.PaymentServicesFinalResponse, closures),
                Is.EqualTo(Due(RegulatoryProfiles.EuBanking, DeadlineKind.PaymentServicesFinalResponse, null).AddDays(4)), "Friday 17 → Tuesday 21 April");
        }
    }

    [Test]
    public void The_internal_sla_counts_business_days_with_closures()
    {
        var closures = new ClosureDays([new DateOnly(2026, 3, 30)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(RegulatoryProfiles.UkBanking.InternalSlaDueAt(At("2026-03-27T10:00:00Z"), new InternalSla(5, ClockUnit.BusinessDays), closures),
                Is.EqualTo(At("2026-04-08T22:59:59.9999999Z"))); // 31 Mar, 1, 2, 7, 8 April (Easter)
            Assert.That(RegulatoryProfiles.UkBanking.InternalSlaDueAt(At("2026-03-27T10:00:00Z"), new InternalSla(10, ClockUnit.CalendarDays), closures),
                Is.EqualTo(At("2026-04-06T22:59:59.9999999Z")));
        }
    }

    // ---- The new sector and jurisdiction combinations ---------------------------------------------------------------

    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesFinalResponse, "2026-04-17T21:59:59.9999999Z")]
    [TestCase("2026-03-27T10:00:00Z", DeadlineKind.PaymentServicesExceptionalFinalResponse, "2026-05-15T21:59:59.9999999Z")]
    public void Eu_banking_payment_services(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.EuBanking, Psd2, receivedAt, kind, expected);

    [Test]
    public void Eu_banking_sets_no_regulatory_deadline_for_other_complaints()
    {
        Assert.That(RegulatoryProfiles.EuBanking.ComputeDeadlines(At("2026-03-27T10:00:00Z"), ComplaintFlags.None), Is.Empty);
    }

    [TestCase("2026-03-27T14:00:00Z", "2026-04-27T03:59:59.9999999Z")]
    [TestCase("2026-12-31T15:00:00Z", "2027-01-31T04:59:59.9999999Z")]
    public void Us_telecom_carrier_response_after_30_days(string receivedAt, string expected) =>
        AssertDue(RegulatoryProfiles.UsTelecom, ComplaintFlags.None, receivedAt, DeadlineKind.CarrierResponse, expected);

    [TestCase("2026-03-27T10:00:00Z", "2026-05-22T22:59:59.9999999Z")]
    [TestCase("2026-10-23T12:00:00Z", "2026-12-18T23:59:59.9999999Z")]
    public void Uk_airline_adr_after_eight_weeks(string receivedAt, string expected) =>
        AssertDue(RegulatoryProfiles.UkAirline, ComplaintFlags.None, receivedAt, DeadlineKind.AdrEligibility, expected);

    // ---- US banking (America/New_York) --------------------------------------------------------------------------

    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.CompanyResponse, "2026-04-12T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.CompanyFinalResponse, "2026-05-27T03:59:59.9999999Z")]
    // 02:00 UTC on Saturday is still Friday 22:00 EDT.
    [TestCase("2026-03-28T02:00:00Z", DeadlineKind.CompanyResponse, "2026-04-12T03:59:59.9999999Z")]
    [TestCase("2026-03-28T15:00:00Z", DeadlineKind.CompanyResponse, "2026-04-13T03:59:59.9999999Z")]
    // Received in EST, due in EDT.
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.CompanyResponse, "2026-03-15T03:59:59.9999999Z")]
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.CompanyFinalResponse, "2026-04-29T03:59:59.9999999Z")]
    // Received in EDT, due in EST.
    [TestCase("2026-10-23T14:00:00Z", DeadlineKind.CompanyResponse, "2026-11-08T04:59:59.9999999Z")]
    // Across the year end.
    [TestCase("2026-12-31T15:00:00Z", DeadlineKind.CompanyResponse, "2027-01-16T04:59:59.9999999Z")]
    [TestCase("2026-12-31T15:00:00Z", DeadlineKind.CompanyFinalResponse, "2027-03-02T04:59:59.9999999Z")]
    public void Us_banking(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UsBanking, ComplaintFlags.None, receivedAt, kind, expected);

    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.CompanyResponse, "2026-04-12T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.CompanyFinalResponse, "2026-05-27T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.ErrorInvestigation, "2026-04-11T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.ErrorInvestigationExtended, "2026-05-12T03:59:59.9999999Z")]
    // Receipt on Saturday or Sunday: the 10 business days end on the same Friday as for a Friday receipt.
    [TestCase("2026-03-28T15:00:00Z", DeadlineKind.ErrorInvestigation, "2026-04-11T03:59:59.9999999Z")]
    [TestCase("2026-03-29T15:00:00Z", DeadlineKind.ErrorInvestigation, "2026-04-11T03:59:59.9999999Z")]
    // Received in EST, due in EDT.
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.ErrorInvestigation, "2026-03-14T03:59:59.9999999Z")]
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.ErrorInvestigationExtended, "2026-04-14T03:59:59.9999999Z")]
    public void Us_banking_regulation_e(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UsBanking, Psd2, receivedAt, kind, expected);

    // ---- Telecom ------------------------------------------------------------------------------------------------

    [TestCase("2026-03-27T10:00:00Z", "2026-05-22T22:59:59.9999999Z")]
    [TestCase("2026-03-27T23:30:00Z", "2026-05-22T22:59:59.9999999Z")] // still Friday 23:30 GMT
    [TestCase("2026-06-06T09:00:00Z", "2026-08-01T22:59:59.9999999Z")]
    [TestCase("2026-10-23T12:00:00Z", "2026-12-18T23:59:59.9999999Z")]
    public void Uk_telecom_adr_letter_after_eight_weeks(string receivedAt, string expected) =>
        AssertDue(RegulatoryProfiles.UkTelecom, ComplaintFlags.None, receivedAt, DeadlineKind.AdrLetter, expected);

    [TestCase("2026-03-27T10:00:00Z", "2026-05-22T21:59:59.9999999Z")]
    [TestCase("2026-03-27T23:30:00Z", "2026-05-23T21:59:59.9999999Z")] // already Saturday 00:30 CET
    [TestCase("2026-10-23T12:00:00Z", "2026-12-18T22:59:59.9999999Z")]
    public void Eu_telecom_adr_letter_after_eight_weeks(string receivedAt, string expected) =>
        AssertDue(RegulatoryProfiles.EuTelecom, ComplaintFlags.None, receivedAt, DeadlineKind.AdrLetter, expected);

    // ---- Airlines -----------------------------------------------------------------------------------------------

    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.WrittenAcknowledgement, "2026-04-27T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.SubstantiveResponse, "2026-05-27T03:59:59.9999999Z")]
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.WrittenAcknowledgement, "2026-03-30T03:59:59.9999999Z")]
    [TestCase("2026-12-31T15:00:00Z", DeadlineKind.WrittenAcknowledgement, "2027-01-31T04:59:59.9999999Z")]
    public void Us_airline(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UsAirline, ComplaintFlags.None, receivedAt, kind, expected);

    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.WrittenAcknowledgement, "2026-04-27T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.SubstantiveResponse, "2026-05-27T03:59:59.9999999Z")]
    [TestCase("2026-03-27T14:00:00Z", DeadlineKind.DisabilityDispositiveResponse, "2026-04-27T03:59:59.9999999Z")]
    [TestCase("2026-02-27T15:00:00Z", DeadlineKind.DisabilityDispositiveResponse, "2026-03-30T03:59:59.9999999Z")]
    public void Us_airline_disability(string receivedAt, DeadlineKind kind, string expected) =>
        AssertDue(RegulatoryProfiles.UsAirline, Disability, receivedAt, kind, expected);

    [TestCase("2026-03-27T10:00:00Z", "2026-05-08T21:59:59.9999999Z")]
    [TestCase("2026-10-16T10:00:00Z", "2026-11-27T22:59:59.9999999Z")]
    [TestCase("2026-12-31T23:30:00Z", "2027-02-12T22:59:59.9999999Z")] // 1 January 00:30 CET
    public void Eu_airline_after_six_weeks(string receivedAt, string expected) =>
        AssertDue(RegulatoryProfiles.EuAirline, ComplaintFlags.None, receivedAt, DeadlineKind.EnforcementBodyReply, expected);
}
