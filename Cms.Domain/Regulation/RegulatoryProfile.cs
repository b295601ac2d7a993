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

/// <summary>One rule: a named deadline <paramref name="Amount"/> units after receipt, due at the end of that day.</summary>
public sealed record DeadlineRule(DeadlineKind Kind, int Amount, ClockUnit Unit, DeadlineMetBy MetBy, RuleScope Scope, string Source);

/// <summary>Facts about a complaint that select a profile's variants.</summary>
public sealed record ComplaintFlags(bool PaymentServices, bool Disability)
{
    public static readonly ComplaintFlags None = new(false, false);
}

/// <summary>The deadlines a sector and jurisdiction impose (domain.md, "Regulatory clocks").</summary>
public sealed record RegulatoryProfile(string Code, Sector Sector, Jurisdiction Jurisdiction, BusinessCalendar Calendar,
    IReadOnlyList<DeadlineRule> Rules)
{
    private bool HasPaymentServicesVariant => Rules.Any(r => r.Scope == RuleScope.PaymentServices);

    public IReadOnlyList<Deadline> ComputeDeadlines(DateTimeOffset receivedAt, ComplaintFlags flags)
    {
        var receivedDay = Calendar.LocalDate(receivedAt);
        return Rules
            .Where(rule => Applies(rule, flags))
            .Select(rule =>
            {
                var dueDay = rule.Unit == ClockUnit.BusinessDays
                    ? BusinessCalendar.AddBusinessDays(receivedDay, rule.Amount)
                    : receivedDay.AddDays(rule.Amount);
                return new Deadline(rule.Kind, Calendar.EndOfDay(dueDay), null);
            })
            .ToList();
    }

    public DeadlineRule? RuleFor(DeadlineKind kind) => Rules.FirstOrDefault(r => r.Kind == kind);

    private bool Applies(DeadlineRule rule, ComplaintFlags flags) => rule.Scope switch
    {
        RuleScope.All => true,
        RuleScope.Standard => !(flags.PaymentServices && HasPaymentServicesVariant),
        RuleScope.PaymentServices => flags.PaymentServices,
        RuleScope.Disability => flags.Disability,
        _ => false,
    };
}

/// <summary>The profiles a new tenant gets by sector and jurisdiction. A combination with no profile cannot be a tenant yet.</summary>
public static class RegulatoryProfiles
{
    private static readonly BusinessCalendar London = new("Europe/London");
    private static readonly BusinessCalendar Brussels = new("Europe/Brussels");
    private static readonly BusinessCalendar NewYork = new("America/New_York");

    public static readonly RegulatoryProfile UkBanking = new("uk_banking_fca_disp1", Sector.Banking, Jurisdiction.UK, London,
    [
        new(DeadlineKind.SummaryResolution, 3, ClockUnit.BusinessDays, DeadlineMetBy.SummaryResolution, RuleScope.All, "FCA DISP 1.5"),
        new(DeadlineKind.FinalResponse, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Standard, "FCA DISP 1.6.2 (8 weeks)"),
        new(DeadlineKind.PaymentServicesFinalResponse, 15, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices, "FCA DISP 1.6.2A (PSD2)"),
        new(DeadlineKind.PaymentServicesExceptionalFinalResponse, 35, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices, "FCA DISP 1.6.2A (PSD2, exceptional)"),
    ]);

    public static readonly RegulatoryProfile UsBanking = new("us_banking_cfpb", Sector.Banking, Jurisdiction.US, NewYork,
    [
        new(DeadlineKind.CompanyResponse, 15, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "CFPB company response"),
        new(DeadlineKind.CompanyFinalResponse, 60, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "CFPB final response after 'in progress'"),
        new(DeadlineKind.ErrorInvestigation, 10, ClockUnit.BusinessDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices, "Regulation E 1005.11"),
        new(DeadlineKind.ErrorInvestigationExtended, 45, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.PaymentServices, "Regulation E 1005.11 (provisional credit)"),
    ]);

    public static readonly RegulatoryProfile UkTelecom = new("uk_telecom_ofcom_c4", Sector.Telecom, Jurisdiction.UK, London,
    [
        new(DeadlineKind.AdrLetter, 56, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "Ofcom GC C4 (8 weeks)"),
    ]);

    public static readonly RegulatoryProfile EuTelecom = UkTelecom with { Code = "eu_telecom_c4", Jurisdiction = Jurisdiction.EU, Calendar = Brussels };

    public static readonly RegulatoryProfile UsAirline = new("us_airline_dot", Sector.Airline, Jurisdiction.US, NewYork,
    [
        new(DeadlineKind.WrittenAcknowledgement, 30, ClockUnit.CalendarDays, DeadlineMetBy.Acknowledgement, RuleScope.All, "14 CFR 259.7"),
        new(DeadlineKind.SubstantiveResponse, 60, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "14 CFR 259.7"),
        new(DeadlineKind.DisabilityDispositiveResponse, 30, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.Disability, "14 CFR 382.155"),
    ]);

    public static readonly RegulatoryProfile EuAirline = new("eu_airline_eu261", Sector.Airline, Jurisdiction.EU, Brussels,
    [
        new(DeadlineKind.EnforcementBodyReply, 42, ClockUnit.CalendarDays, DeadlineMetBy.FinalResponse, RuleScope.All, "EU261 (6 weeks)"),
    ]);

    public static IReadOnlyList<RegulatoryProfile> All { get; } = [UkBanking, UsBanking, UkTelecom, EuTelecom, UsAirline, EuAirline];

    public static RegulatoryProfile? ByCode(string code) => All.FirstOrDefault(p => p.Code == code);

    public static RegulatoryProfile? For(Sector sector, Jurisdiction jurisdiction) =>
        All.FirstOrDefault(p => p.Sector == sector && p.Jurisdiction == jurisdiction);
}
