using Cms.Domain.Tenants;

namespace Cms.Domain.Regulation;

public enum ClockUnit
{
    BusinessDays,
    CalendarDays,
}

/// <summary>Which complaints a rule applies to.</summary>
public enum RuleScope
{
    /// <summary>Every complaint except the payment-services ones when the profile has a payment-services variant.</summary>
    Standard,
    /// <summary>Every complaint.</summary>
    All,
    /// <summary>Only complaints flagged as payment-services (PSD2, Regulation E).</summary>
    PaymentServices,
    /// <summary>Only complaints flagged as disability complaints (14 CFR 382).</summary>
    Disability,
}

/// <summary>What a "business day" means in a profile's rules, which decides whether a tenant's closure days count.</summary>
public enum BusinessDayBasis
{
    /// <summary>Fixed by law: weekends and the calendar's public holidays only. The firm's own closures do not extend
    /// the deadline (FCA Handbook Glossary, "business day": not a Saturday, Sunday, Christmas Day, Good Friday or a bank
    /// holiday in that part of the United Kingdom).</summary>
    Statutory,

    /// <summary>The days the firm is open for business, so a tenant's closure days count as non-business days too
    /// (Regulation E, 12 CFR 1005.2(d): "any day on which the offices of the consumer's financial institution are open
    /// to the public for carrying on substantially all business functions"; PSD2 Article 4(37)).</summary>
    FirmOpenDays,
}

/// <summary>One rule: a named deadline <paramref name="Amount"/> units after receipt, due at the end of that day.</summary>
public sealed record DeadlineRule(DeadlineKind Kind, int Amount, ClockUnit Unit, DeadlineMetBy MetBy, RuleScope Scope, string Source)
{
    /// <summary>
    /// The "or" branches of the rule: other events that meet the deadline too (e.g. DISP 1.6.2: a final response
    /// <em>or</em> a holding response by 8 weeks). Empty in the rules of profile versions published before they were
    /// modelled, which a final response alone meets.
    /// </summary>
    public IReadOnlyList<DeadlineMetBy> AlsoMetBy { get; init; } = [];

    /// <summary>
    /// The event after which the deadline binds; null when it binds from receipt. A holding reply makes the PSD2
    /// 35-business-day deadline binding, an "in progress" response the CFPB day-60 one, provisional credit the Regulation
    /// E 45-day one. Due instants still count from receipt.
    /// </summary>
    public DeadlineMetBy? BindsAfter { get; init; }

    /// <summary>Whether <paramref name="event"/> meets this deadline.</summary>
    public bool IsMetBy(DeadlineMetBy @event) => MetBy == @event || AlsoMetBy.Contains(@event);
}

/// <summary>Facts about a complaint that select a profile's variants.</summary>
public sealed record ComplaintFlags(bool PaymentServices, bool Disability)
{
    public static readonly ComplaintFlags None = new(false, false);
}

/// <summary>
/// A tenant's internal service level: a target of its own, stricter than or beside the regulator's, that pauses while
/// the complaint awaits the consumer (regulatory clocks never pause). Business days follow the profile's calendar and
/// the tenant's closure days.
/// </summary>
public sealed record InternalSla(int Amount, ClockUnit Unit)
{
    /// <summary>The longest target a tenant may set: a year.</summary>
    public const int MaxDays = 366;
}

/// <summary>
/// The deadlines a sector and jurisdiction impose (domain.md, "Regulatory clocks"), as one version of a named profile.
/// A complaint records the code and version it was filed under and is always recomputed with that version, so a later
/// version (a rule change) never rewrites the deadlines of complaints filed before it.
/// </summary>
public sealed record RegulatoryProfile(string Code, Sector Sector, Jurisdiction Jurisdiction, BusinessCalendar Calendar,
    IReadOnlyList<DeadlineRule> Rules)
{
    /// <summary>The version of the profile's rules (1, 2, ...).</summary>
    public int Version { get; init; } = 1;

    public BusinessDayBasis BusinessDays { get; init; } = BusinessDayBasis.Statutory;

    /// <summary>What changed in this version (for the docs and the profile listing).</summary>
    public string Notes { get; init; } = "";

    private bool HasPaymentServicesVariant => Rules.Any(r => r.Scope == RuleScope.PaymentServices);

    /// <param name="occurred">The events that have happened on the complaint (a rule with <see cref="DeadlineRule.BindsAfter"/>
    /// applies only once its event is among them); none when null.</param>
    public IReadOnlyList<Deadline> ComputeDeadlines(DateTimeOffset receivedAt, ComplaintFlags flags, ClosureDays? closures = null,
        IReadOnlySet<DeadlineMetBy>? occurred = null)
    {
        var receivedDay = Calendar.LocalDate(receivedAt);
        var firmClosures = BusinessDays == BusinessDayBasis.FirmOpenDays ? closures : null;
        return Rules
            .Where(rule => Applies(rule, flags) && (rule.BindsAfter is not { } trigger || (occurred?.Contains(trigger) ?? false)))
            .Select(rule => new Deadline(rule.Kind, Calendar.EndOfDay(DueDay(receivedDay, rule.Amount, rule.Unit, firmClosures)), null))
            .ToList();
    }

    /// <summary>The internal SLA's due instant (closure days always count: it is the firm's own target).</summary>
    public DateTimeOffset InternalSlaDueAt(DateTimeOffset receivedAt, InternalSla sla, ClosureDays? closures) =>
        Calendar.EndOfDay(DueDay(Calendar.LocalDate(receivedAt), sla.Amount, sla.Unit, closures));

    /// <summary>The last local date any deadline of this profile (or an SLA of at most a year) can fall on: closure days
    /// beyond it cannot matter.</summary>
    public static DateOnly HorizonOf(DateOnly receivedDay) => receivedDay.AddDays(2 * InternalSla.MaxDays);

    public DeadlineRule? RuleFor(DeadlineKind kind) => Rules.FirstOrDefault(r => r.Kind == kind);

    private DateOnly DueDay(DateOnly receivedDay, int amount, ClockUnit unit, ClosureDays? closures) =>
        unit == ClockUnit.BusinessDays ? Calendar.AddBusinessDays(receivedDay, amount, closures) : receivedDay.AddDays(amount);

    private bool Applies(DeadlineRule rule, ComplaintFlags flags) => rule.Scope switch
    {
        RuleScope.All => true,
        RuleScope.Standard => !(flags.PaymentServices && HasPaymentServicesVariant),
        RuleScope.PaymentServices => flags.PaymentServices,
        RuleScope.Disability => flags.Disability,
        _ => false,
    };
}

/// <summary>
/// The profiles, every version of each. A new tenant gets the current version for its sector and jurisdiction;
/// a complaint is recomputed with the version it was filed under (<see cref="Get"/>). Numbers follow domain.md; where
/// it is silent the regulation's published numbers are used and cited in the rule's Source.
/// </summary>
public static class RegulatoryProfiles
{
    private static readonly BusinessCalendar LondonWeekendsOnly = new("Europe/London");
    private static readonly BusinessCalendar NewYorkWeekendsOnly = new("America/New_York");
    private static readonly BusinessCalendar London = new("Europe/London", HolidaySchedule.EnglandAndWales);
    private static readonly BusinessCalendar Brussels = new("Europe/Brussels");
    private static readonly BusinessCalendar NewYork = new("America/New_York", HolidaySchedule.UsFederal);

    private static readonly DeadlineRule[] UkBankingRules =
    [
        new(DeadlineKind.SummaryResolution, 3, ClockUnit.BusinessDays, DeadlineMetBy.SummaryResolution, RuleScope.All, "FCA DISP 1.5.2"),
        new(DeadlineKind.FinalResponse, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Standard, "FCA DISP 1.6.2 (8 weeks)"),
        new(DeadlineKind.PaymentServicesFinalResponse, 15, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "FCA DISP 1.6.2A (PSD2 / EMD complaints, Payment Services Regulations 2017 reg. 101)"),
        new(DeadlineKind.PaymentServicesExceptionalFinalResponse, 35, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "FCA DISP 1.6.2A(2) (PSD2 / EMD, exceptional: holding reply, final response by 35 business days)"),
    ];

    /// <summary>
    /// UK banking from version 3: the "or" branches of DISP 1.6. The 8-week deadline is met by a final response or by the
    /// DISP 1.6.2(2) written response (why the firm cannot answer yet, when it expects to, and the consumer's right to
    /// refer to the ombudsman); the PSD2 15-business-day deadline by a final response or a holding reply, and only a
    /// holding reply makes the 35-business-day deadline bind (DISP 1.6.2A(2)).
    /// </summary>
    private static readonly DeadlineRule[] UkBankingRulesV3 =
    [
        UkBankingRules[0],
        UkBankingRules[1] with { AlsoMetBy = [DeadlineMetBy.HoldingResponse] },
        UkBankingRules[2] with { AlsoMetBy = [DeadlineMetBy.HoldingResponse] },
        UkBankingRules[3] with { BindsAfter = DeadlineMetBy.HoldingResponse },
    ];

    private static readonly DeadlineRule[] UsBankingRules =
    [
        new(DeadlineKind.CompanyResponse, 15, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "CFPB complaint process: company response within 15 days"),
        new(DeadlineKind.CompanyFinalResponse, 60, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "CFPB complaint process: final response within 60 days after an 'in progress' response"),
        new(DeadlineKind.ErrorInvestigation, 10, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "Regulation E, 12 CFR 1005.11(c)(1): 10 business days"),
        new(DeadlineKind.ErrorInvestigationExtended, 45, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "Regulation E, 12 CFR 1005.11(c)(2): 45 days with provisional credit"),
    ];

    /// <summary>
    /// US banking from version 3: the CFPB company response within 15 days is met by a final response or an "in
    /// progress" response (recorded as a holding response), which makes the day-60 final response bind; the Regulation E
    /// 10-business-day investigation is met by its result (the final response) or by provisional credit within it, which
    /// makes the 45-day deadline bind (12 CFR 1005.11(c)(2)).
    /// </summary>
    private static readonly DeadlineRule[] UsBankingRulesV3 =
    [
        UsBankingRules[0] with { AlsoMetBy = [DeadlineMetBy.HoldingResponse] },
        UsBankingRules[1] with { BindsAfter = DeadlineMetBy.HoldingResponse },
        UsBankingRules[2] with { AlsoMetBy = [DeadlineMetBy.ProvisionalCredit] },
        UsBankingRules[3] with { BindsAfter = DeadlineMetBy.ProvisionalCredit },
    ];

    /// <summary>Notes of the versions that model the "or" branches of the rules (see <see cref="DeadlineRule.AlsoMetBy"/>).</summary>
    private const string AlternativesNote =
        " Alternative responses meet deadlines (holding, in progress, ADR letter, provisional credit) and extended deadlines bind only after them.";

    /// <summary>UK banking, version 1: business days were Monday to Friday without bank holidays (stricter than the
    /// rule; kept so that complaints filed under it keep their deadlines).</summary>
    public static readonly RegulatoryProfile UkBankingV1 = new("uk_banking_fca_disp1", Sector.Banking, Jurisdiction.UK, LondonWeekendsOnly, UkBankingRules)
    {
        Notes = "Business days Monday to Friday; bank holidays not yet skipped.",
    };

    /// <summary>UK banking, version 2: business days skip England and Wales bank holidays (FCA Glossary). A final response
    /// alone met its deadlines and both PSD2 deadlines bound from receipt (stricter than the rule; complaints filed under it
    /// keep that).</summary>
    public static readonly RegulatoryProfile UkBankingV2 = UkBankingV1 with
    {
        Version = 2,
        Calendar = London,
        Notes = "Business days skip England and Wales bank holidays (FCA Handbook Glossary, 'business day').",
    };

    /// <summary>UK banking, version 3: the holding response meets the 8-week and PSD2 15-business-day deadlines, and the
    /// PSD2 35-business-day deadline binds only after a holding reply (<see cref="UkBankingRulesV3"/>).</summary>
    public static readonly RegulatoryProfile UkBanking = UkBankingV2 with
    {
        Version = 3,
        Rules = UkBankingRulesV3,
        Notes = UkBankingV2.Notes + AlternativesNote,
    };

    public static readonly RegulatoryProfile UsBankingV1 = new("us_banking_cfpb", Sector.Banking, Jurisdiction.US, NewYorkWeekendsOnly, UsBankingRules)
    {
        Notes = "Business days Monday to Friday; federal holidays not yet skipped.",
    };

    /// <summary>US banking, version 2: Regulation E business days skip federal holidays and the institution's closure days.
    /// A final response alone met its deadlines and all four bound from receipt (stricter than the rule; kept).</summary>
    public static readonly RegulatoryProfile UsBankingV2 = UsBankingV1 with
    {
        Version = 2,
        Calendar = NewYork,
        BusinessDays = BusinessDayBasis.FirmOpenDays,
        Notes = "Business days skip US federal holidays (observed) and the institution's closure days (12 CFR 1005.2(d)).",
    };

    /// <summary>US banking, version 3: "in progress" and provisional credit (<see cref="UsBankingRulesV3"/>).</summary>
    public static readonly RegulatoryProfile UsBanking = UsBankingV2 with
    {
        Version = 3,
        Rules = UsBankingRulesV3,
        Notes = UsBankingV2.Notes + AlternativesNote,
    };

    /// <summary>EU banking: the PSD2 complaint deadlines (domain.md is silent; Directive (EU) 2015/2366 Article 101(2)).
    /// There is no EU-wide deadline for other banking complaints (EBA/ESMA Joint Committee guidelines JC 2014 43 ask
    /// for a reply "without unnecessary delay"): a tenant sets an internal SLA for them. Business days are the firm's
    /// open days (PSD2 Article 4(37)); member states' holidays differ, so the firm enters its own as closure days.</summary>
    public static readonly RegulatoryProfile EuBankingV1 = new("eu_banking_psd2", Sector.Banking, Jurisdiction.EU, Brussels,
    [
        new(DeadlineKind.PaymentServicesFinalResponse, 15, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "PSD2, Directive (EU) 2015/2366 Art. 101(2): reply within 15 business days"),
        new(DeadlineKind.PaymentServicesExceptionalFinalResponse, 35, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices,
            "PSD2 Art. 101(2), exceptional situations: holding reply, final reply within 35 business days"),
    ])
    {
        BusinessDays = BusinessDayBasis.FirmOpenDays,
        Notes = "PSD2 Art. 101 deadlines for payment-services complaints; business days are the firm's open days.",
    };

    /// <summary>EU banking, version 2: a holding reply meets the 15-business-day deadline and makes the 35-business-day
    /// one bind (PSD2 Art. 101(2)); version 1 bound both from receipt and let only a final response meet them.</summary>
    public static readonly RegulatoryProfile EuBanking = EuBankingV1 with
    {
        Version = 2,
        Rules =
        [
            EuBankingV1.Rules[0] with { AlsoMetBy = [DeadlineMetBy.HoldingResponse] },
            EuBankingV1.Rules[1] with { BindsAfter = DeadlineMetBy.HoldingResponse },
        ],
        Notes = EuBankingV1.Notes + AlternativesNote,
    };

    public static readonly RegulatoryProfile UkTelecomV1 = new("uk_telecom_ofcom_c4", Sector.Telecom, Jurisdiction.UK, London,
    [
        new(DeadlineKind.AdrLetter, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "Ofcom General Conditions C4.4 / C4.5: ADR after 8 weeks (deadlock or timeout)"),
    ]);

    /// <summary>UK telecom, version 2: the ADR (deadlock) letter meets the 8-week deadline as a final response does;
    /// version 1 let only a final response meet it.</summary>
    public static readonly RegulatoryProfile UkTelecom = UkTelecomV1 with
    {
        Version = 2,
        Rules = [UkTelecomV1.Rules[0] with { AlsoMetBy = [DeadlineMetBy.AdrLetter] }],
        Notes = "The ADR (deadlock) letter meets the 8-week deadline.",
    };

    public static readonly RegulatoryProfile EuTelecomV1 = UkTelecomV1 with { Code = "eu_telecom_c4", Jurisdiction = Jurisdiction.EU, Calendar = Brussels };

    /// <summary>EU telecom, version 2: as UK telecom version 2.</summary>
    public static readonly RegulatoryProfile EuTelecom = UkTelecom with { Code = "eu_telecom_c4", Jurisdiction = Jurisdiction.EU, Calendar = Brussels };

    /// <summary>US telecom (domain.md is silent): a carrier answers an informal complaint served by the FCC within 30
    /// days (47 CFR 1.717). Applied to every complaint as the default; received-at is the date of service.</summary>
    public static readonly RegulatoryProfile UsTelecom = new("us_telecom_fcc", Sector.Telecom, Jurisdiction.US, NewYork,
    [
        new(DeadlineKind.CarrierResponse, 30, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "47 CFR 1.717: carrier's written response to an informal complaint within 30 days"),
    ]);

    public static readonly RegulatoryProfile UsAirline = new("us_airline_dot", Sector.Airline, Jurisdiction.US, NewYork,
    [
        new(DeadlineKind.WrittenAcknowledgement, 30, ClockUnit.CalendarDays, DeadlineMetBy.Acknowledgement, RuleScope.All, "14 CFR 259.7(c): acknowledge within 30 days"),
        new(DeadlineKind.SubstantiveResponse, 60, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "14 CFR 259.7(c): substantive response within 60 days"),
        new(DeadlineKind.DisabilityDispositiveResponse, 30, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Disability,
            "14 CFR 382.155(d): dispositive written response within 30 days"),
    ]);

    public static readonly RegulatoryProfile EuAirline = new("eu_airline_eu261", Sector.Airline, Jurisdiction.EU, Brussels,
    [
        new(DeadlineKind.EnforcementBodyReply, 42, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "Regulation (EC) 261/2004 with the Commission's interpretative guidelines: national enforcement body after 6 weeks without reply"),
    ]);

    /// <summary>UK airline (domain.md is silent): under UK261 (retained Regulation 261/2004) a passenger may take the
    /// complaint to the airline's CAA-approved ADR body, or to the CAA's PACT, once 8 weeks have passed without a final
    /// response (ADR for Consumer Disputes Regulations 2015, SI 2015/542; CAA CAP 1324).</summary>
    public static readonly RegulatoryProfile UkAirline = new("uk_airline_caa", Sector.Airline, Jurisdiction.UK, London,
    [
        new(DeadlineKind.AdrEligibility, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All,
            "UK261 / CAA-approved ADR (SI 2015/542, CAP 1324): ADR or CAA PACT after 8 weeks without a final response"),
    ]);

    /// <summary>The current version of every profile: what new tenants and new complaints get.</summary>
    public static IReadOnlyList<RegulatoryProfile> All { get; } =
        [UkBanking, UsBanking, EuBanking, UkTelecom, EuTelecom, UsTelecom, UsAirline, EuAirline, UkAirline];

    /// <summary>Every version of every profile, oldest first.</summary>
    public static IReadOnlyList<RegulatoryProfile> History { get; } =
        [UkBankingV1, UkBankingV2, UkBanking, UsBankingV1, UsBankingV2, UsBanking, EuBankingV1, EuBanking, UkTelecomV1, UkTelecom,
            EuTelecomV1, EuTelecom, UsTelecom, UsAirline, EuAirline, UkAirline];

    /// <summary>The current version of a profile.</summary>
    public static RegulatoryProfile? ByCode(string code) => All.FirstOrDefault(p => p.Code == code);

    /// <summary>A given version of a profile (the one a complaint was filed under).</summary>
    public static RegulatoryProfile? Get(string code, int version) => History.FirstOrDefault(p => p.Code == code && p.Version == version);

    public static RegulatoryProfile? For(Sector sector, Jurisdiction jurisdiction) =>
        All.FirstOrDefault(p => p.Sector == sector && p.Jurisdiction == jurisdiction);
}
