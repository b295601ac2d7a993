using Cms.Domain.Regulation;

namespace Cms.Tests.Domain;

public sealed partial class RegulatoryDeadlineTests
{
    // ---- Which deadlines each profile sets ----------------------------------------------------------------------

    private static IEnumerable<TestCaseData> KindsByProfileAndFlags()
    {
        TestCaseData Case(RegulatoryProfile p, ComplaintFlags f, params DeadlineKind[] kinds) =>
            new TestCaseData(p, f, kinds).SetArgDisplayNames(p.Code, $"ps={f.PaymentServices}", $"disability={f.Disability}");

        yield return Case(RegulatoryProfiles.UkBanking, ComplaintFlags.None, DeadlineKind.SummaryResolution, DeadlineKind.FinalResponse);
        // The 35-business-day PSD2 deadline binds only after a holding reply (version 3; version 2 bound it from receipt).
        yield return Case(RegulatoryProfiles.UkBanking, Psd2, DeadlineKind.SummaryResolution, DeadlineKind.PaymentServicesFinalResponse);
        yield return Case(RegulatoryProfiles.UkBankingV2, Psd2, DeadlineKind.SummaryResolution,
            DeadlineKind.PaymentServicesFinalResponse, DeadlineKind.PaymentServicesExceptionalFinalResponse);
        yield return Case(RegulatoryProfiles.UkBanking, Disability, DeadlineKind.SummaryResolution, DeadlineKind.FinalResponse);
        // Day 60 binds after an "in progress" response, the 45 days after provisional credit (version 3).
        yield return Case(RegulatoryProfiles.UsBanking, ComplaintFlags.None, DeadlineKind.CompanyResponse);
        yield return Case(RegulatoryProfiles.UsBanking, Psd2, DeadlineKind.CompanyResponse, DeadlineKind.ErrorInvestigation);
        yield return Case(RegulatoryProfiles.UsBankingV2, Psd2, DeadlineKind.CompanyResponse, DeadlineKind.CompanyFinalResponse,
            DeadlineKind.ErrorInvestigation, DeadlineKind.ErrorInvestigationExtended);
        yield return Case(RegulatoryProfiles.EuBanking, Psd2, DeadlineKind.PaymentServicesFinalResponse);
        yield return Case(RegulatoryProfiles.EuBankingV1, Psd2, DeadlineKind.PaymentServicesFinalResponse,
            DeadlineKind.PaymentServicesExceptionalFinalResponse);
        yield return Case(RegulatoryProfiles.UkTelecom, ComplaintFlags.None, DeadlineKind.AdrLetter);
        yield return Case(RegulatoryProfiles.UkTelecom, new ComplaintFlags(true, true), DeadlineKind.AdrLetter);
        yield return Case(RegulatoryProfiles.EuTelecom, new ComplaintFlags(true, true), DeadlineKind.AdrLetter);
        yield return Case(RegulatoryProfiles.UsAirline, ComplaintFlags.None, DeadlineKind.WrittenAcknowledgement, DeadlineKind.SubstantiveResponse);
        yield return Case(RegulatoryProfiles.UsAirline, Disability, DeadlineKind.WrittenAcknowledgement, DeadlineKind.SubstantiveResponse,
            DeadlineKind.DisabilityDispositiveResponse);
        yield return Case(RegulatoryProfiles.UsAirline, Psd2, DeadlineKind.WrittenAcknowledgement, DeadlineKind.SubstantiveResponse);
        yield return Case(RegulatoryProfiles.EuAirline, new ComplaintFlags(true, true), DeadlineKind.EnforcementBodyReply);
    }

    [TestCaseSource(nameof(KindsByProfileAndFlags))]
    public void Each_profile_sets_the_deadlines_its_flags_select(RegulatoryProfile profile, ComplaintFlags flags, DeadlineKind[] expected)
    {
        var deadlines = profile.ComputeDeadlines(At("2026-03-27T10:00:00Z"), flags);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deadlines.Select(d => d.Kind), Is.EquivalentTo(expected));
            Assert.That(deadlines.Select(d => d.MetAt), Is.All.Null);
        }
    }

    [Test]
    public void A_standard_rule_still_applies_to_a_payment_services_complaint_when_the_profile_has_no_variant()
    {
        var profile = new RegulatoryProfile("custom", Cms.Domain.Tenants.Sector.Banking, Cms.Domain.Tenants.Jurisdiction.UK,
            RegulatoryProfiles.UkBanking.Calendar,
        [
            new(DeadlineKind.FinalResponse, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Standard, "test"),
            new(DeadlineKind.DisabilityDispositiveResponse, 30, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Disability, "test"),
        ]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(profile.ComputeDeadlines(At("2026-03-27T10:00:00Z"), Psd2).Select(d => d.Kind),
                Is.EqualTo(new[] { DeadlineKind.FinalResponse }));
            Assert.That(profile.ComputeDeadlines(At("2026-03-27T10:00:00Z"), new ComplaintFlags(true, true)).Select(d => d.Kind),
                Is.EqualTo(new[] { DeadlineKind.FinalResponse, DeadlineKind.DisabilityDispositiveResponse }));
        }
    }

    private static IEnumerable<TestCaseData> EveryProfileAndFlags() =>
        from profile in RegulatoryProfiles.All
        from ps in new[] { false, true }
        from disability in new[] { false, true }
        select new TestCaseData(profile, new ComplaintFlags(ps, disability)).SetArgDisplayNames(profile.Code, $"ps={ps}", $"disability={disability}");

    /// <summary>Receipts every 5 hours through 2026 (both clock changes, every weekday, both sides of local midnight).</summary>
    [TestCaseSource(nameof(EveryProfileAndFlags))]
    public void Every_deadline_falls_due_at_the_last_tick_of_a_later_local_day(RegulatoryProfile profile, ComplaintFlags flags)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(profile.Calendar.TimeZoneId);
        for (var received = At("2026-01-01T00:00:00Z"); received.Year < 2027; received = received.AddHours(5))
        {
            var receivedDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(received, zone).DateTime);
            foreach (var deadline in profile.ComputeDeadlines(received, flags, occurred: EveryEvent))
            {
                var rule = profile.RuleFor(deadline.Kind)!;
                var localNext = TimeZoneInfo.ConvertTime(deadline.DueAt.AddTicks(1), zone);
                var dueDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(deadline.DueAt, zone).DateTime);

                Assert.That(localNext.TimeOfDay, Is.EqualTo(TimeSpan.Zero), $"{deadline} for {received:O}");
                if (rule.Unit == ClockUnit.CalendarDays)
                {
                    Assert.That(dueDay, Is.EqualTo(receivedDay.AddDays(rule.Amount)), $"{deadline} for {received:O}");
                }
                else
                {
                    var businessDays = Enumerable.Range(1, dueDay.DayNumber - receivedDay.DayNumber)
                        .Count(i => receivedDay.AddDays(i) is var day && day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)
                                    && PublicHolidays.NameOf(profile.Calendar.Holidays, day) is null);
                    Assert.That(profile.Calendar.IsBusinessDay(dueDay), Is.True, $"{deadline} for {received:O}");
                    Assert.That(businessDays, Is.EqualTo(rule.Amount), $"{deadline} for {received:O}");
                }
            }
        }
    }

    // ---- The profile catalogue ----------------------------------------------------------------------------------

    [TestCase(Cms.Domain.Tenants.Sector.Banking, Cms.Domain.Tenants.Jurisdiction.UK, "uk_banking_fca_disp1", "Europe/London")]
    [TestCase(Cms.Domain.Tenants.Sector.Banking, Cms.Domain.Tenants.Jurisdiction.US, "us_banking_cfpb", "America/New_York")]
    [TestCase(Cms.Domain.Tenants.Sector.Telecom, Cms.Domain.Tenants.Jurisdiction.UK, "uk_telecom_ofcom_c4", "Europe/London")]
    [TestCase(Cms.Domain.Tenants.Sector.Telecom, Cms.Domain.Tenants.Jurisdiction.EU, "eu_telecom_c4", "Europe/Brussels")]
    [TestCase(Cms.Domain.Tenants.Sector.Airline, Cms.Domain.Tenants.Jurisdiction.US, "us_airline_dot", "America/New_York")]
    [TestCase(Cms.Domain.Tenants.Sector.Airline, Cms.Domain.Tenants.Jurisdiction.EU, "eu_airline_eu261", "Europe/Brussels")]
    [TestCase(Cms.Domain.Tenants.Sector.Banking, Cms.Domain.Tenants.Jurisdiction.EU, "eu_banking_psd2", "Europe/Brussels")]
    [TestCase(Cms.Domain.Tenants.Sector.Telecom, Cms.Domain.Tenants.Jurisdiction.US, "us_telecom_fcc", "America/New_York")]
    [TestCase(Cms.Domain.Tenants.Sector.Airline, Cms.Domain.Tenants.Jurisdiction.UK, "uk_airline_caa", "Europe/London")]
    public void Profiles_by_sector_and_jurisdiction(Cms.Domain.Tenants.Sector sector, Cms.Domain.Tenants.Jurisdiction jurisdiction,
        string code, string zone)
    {
        var profile = RegulatoryProfiles.For(sector, jurisdiction);

        Assert.That(profile, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(profile!.Code, Is.EqualTo(code));
            Assert.That(profile.Calendar.TimeZoneId, Is.EqualTo(zone));
            Assert.That(RegulatoryProfiles.ByCode(code), Is.SameAs(profile));
        }
    }

    [Test]
    public void Versions_are_unique_per_code_and_the_current_one_is_the_latest()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(RegulatoryProfiles.History.Select(p => (p.Code, p.Version)), Is.Unique);
            foreach (var current in RegulatoryProfiles.All)
            {
                Assert.That(RegulatoryProfiles.History.Where(p => p.Code == current.Code).Max(p => p.Version), Is.EqualTo(current.Version), current.Code);
                Assert.That(RegulatoryProfiles.Get(current.Code, current.Version), Is.SameAs(current));
            }

            Assert.That(RegulatoryProfiles.Get("uk_banking_fca_disp1", 1)!.Calendar.Holidays, Is.EqualTo(HolidaySchedule.None));
            Assert.That(RegulatoryProfiles.UkBanking.Calendar.Holidays, Is.EqualTo(HolidaySchedule.EnglandAndWales));
            Assert.That(RegulatoryProfiles.UsBanking.Calendar.Holidays, Is.EqualTo(HolidaySchedule.UsFederal));
            Assert.That(RegulatoryProfiles.Get("uk_banking_fca_disp1", 9), Is.Null);
        }
    }

    [Test]
    public void ByCode_of_an_unknown_code_is_null()
    {
        Assert.That(RegulatoryProfiles.ByCode("nope"), Is.Null);
    }

    [Test]
    public void Profile_codes_are_unique()
    {
        Assert.That(RegulatoryProfiles.All.Select(p => p.Code), Is.Unique);
    }

    [Test]
    public void RuleFor_finds_the_rule_of_a_kind_or_null()
    {
        var rule = RegulatoryProfiles.UkBanking.RuleFor(DeadlineKind.SummaryResolution);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rule, Is.Not.Null);
            Assert.That(rule?.Amount, Is.EqualTo(3));
            Assert.That(rule?.Unit, Is.EqualTo(ClockUnit.BusinessDays));
            Assert.That(rule?.MetBy, Is.EqualTo(DeadlineMetBy.SummaryResolution));
            Assert.That(RegulatoryProfiles.UkBanking.RuleFor(DeadlineKind.AdrLetter), Is.Null);
        }
    }

    // ---- The "or" branches of the rules (domain.md) ---------------------------------------------------------------

    private static IEnumerable<TestCaseData> DeadlinesBindingAfterAnEvent()
    {
        TestCaseData Case(RegulatoryProfile p, ComplaintFlags f, DeadlineMetBy e, params DeadlineKind[] kinds) =>
            new TestCaseData(p, f, e, kinds).SetArgDisplayNames(p.Code, $"v{p.Version}", $"ps={f.PaymentServices}", e.ToString());

        yield return Case(RegulatoryProfiles.UkBanking, Psd2, DeadlineMetBy.HoldingResponse, DeadlineKind.SummaryResolution,
            DeadlineKind.PaymentServicesFinalResponse, DeadlineKind.PaymentServicesExceptionalFinalResponse);
        // A holding response does not extend the 8-week deadline of other complaints: it meets it (DISP 1.6.2(2)).
        yield return Case(RegulatoryProfiles.UkBanking, ComplaintFlags.None, DeadlineMetBy.HoldingResponse, DeadlineKind.SummaryResolution,
            DeadlineKind.FinalResponse);
        yield return Case(RegulatoryProfiles.EuBanking, Psd2, DeadlineMetBy.HoldingResponse, DeadlineKind.PaymentServicesFinalResponse,
            DeadlineKind.PaymentServicesExceptionalFinalResponse);
        yield return Case(RegulatoryProfiles.UsBanking, Psd2, DeadlineMetBy.HoldingResponse, DeadlineKind.CompanyResponse,
            DeadlineKind.CompanyFinalResponse, DeadlineKind.ErrorInvestigation);
        yield return Case(RegulatoryProfiles.UsBanking, Psd2, DeadlineMetBy.ProvisionalCredit, DeadlineKind.CompanyResponse,
            DeadlineKind.ErrorInvestigation, DeadlineKind.ErrorInvestigationExtended);
        // Provisional credit is a Regulation E fact: nothing binds after it for a complaint that is not about an EFT error.
        yield return Case(RegulatoryProfiles.UsBanking, ComplaintFlags.None, DeadlineMetBy.ProvisionalCredit, DeadlineKind.CompanyResponse);
    }

    [TestCaseSource(nameof(DeadlinesBindingAfterAnEvent))]
    public void Some_deadlines_bind_only_after_an_event(RegulatoryProfile profile, ComplaintFlags flags, DeadlineMetBy @event,
        DeadlineKind[] expected)
    {
        var deadlines = profile.ComputeDeadlines(At("2026-03-27T10:00:00Z"), flags, occurred: new HashSet<DeadlineMetBy> { @event });

        Assert.That(deadlines.Select(d => d.Kind), Is.EquivalentTo(expected));
    }

    /// <summary>What meets each deadline of the current versions (domain.md's "or" branches); earlier versions let a
    /// final response alone meet every response deadline.</summary>
    [TestCase("uk_banking_fca_disp1", DeadlineKind.FinalResponse, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.HoldingResponse })]
    [TestCase("uk_banking_fca_disp1", DeadlineKind.PaymentServicesFinalResponse, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.HoldingResponse })]
    [TestCase("uk_banking_fca_disp1", DeadlineKind.PaymentServicesExceptionalFinalResponse, new[] { DeadlineMetBy.FinalResponse })]
    [TestCase("eu_banking_psd2", DeadlineKind.PaymentServicesFinalResponse, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.HoldingResponse })]
    [TestCase("us_banking_cfpb", DeadlineKind.CompanyResponse, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.HoldingResponse })]
    [TestCase("us_banking_cfpb", DeadlineKind.CompanyFinalResponse, new[] { DeadlineMetBy.FinalResponse })]
    [TestCase("us_banking_cfpb", DeadlineKind.ErrorInvestigation, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.ProvisionalCredit })]
    [TestCase("us_banking_cfpb", DeadlineKind.ErrorInvestigationExtended, new[] { DeadlineMetBy.FinalResponse })]
    [TestCase("uk_telecom_ofcom_c4", DeadlineKind.AdrLetter, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.AdrLetter })]
    [TestCase("eu_telecom_c4", DeadlineKind.AdrLetter, new[] { DeadlineMetBy.FinalResponse, DeadlineMetBy.AdrLetter })]
    public void The_current_versions_model_the_alternative_responses(string code, DeadlineKind kind, DeadlineMetBy[] metBy)
    {
        var current = RegulatoryProfiles.ByCode(code)!;
        var previous = RegulatoryProfiles.Get(code, current.Version - 1)!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Enum.GetValues<DeadlineMetBy>().Where(current.RuleFor(kind)!.IsMetBy), Is.EquivalentTo(metBy));
            Assert.That(Enum.GetValues<DeadlineMetBy>().Where(previous.RuleFor(kind)!.IsMetBy), Is.EqualTo(new[] { DeadlineMetBy.FinalResponse }));
            Assert.That(previous.RuleFor(kind)!.BindsAfter, Is.Null);
            // Only the rules changed: the numbers and the calendar are the previous version's.
            static object Numbers(DeadlineRule r) => (r.Kind, r.Amount, r.Unit, r.MetBy, r.Scope);
            Assert.That(Numbers(current.RuleFor(kind)!), Is.EqualTo(Numbers(previous.RuleFor(kind)!)));
            Assert.That(current.Calendar, Is.EqualTo(previous.Calendar));
            Assert.That(current.BusinessDays, Is.EqualTo(previous.BusinessDays));
        }
    }

    [Test]
    public void Only_the_us_airline_written_acknowledgement_is_met_by_an_acknowledgement()
    {
        var metByAcknowledgement = RegulatoryProfiles.All.SelectMany(p => p.Rules)
            .Where(r => r.MetBy == DeadlineMetBy.Acknowledgement).Select(r => r.Kind);

        Assert.That(metByAcknowledgement, Is.EqualTo(new[] { DeadlineKind.WrittenAcknowledgement }));
    }
}
