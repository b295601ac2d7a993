using Cms.Application.Complaints;

namespace Cms.Application.Reports;

/// <summary>
/// The FCA-style figures of a set of complaints for the period (docs/regulatory-returns.md). Opened: received in the
/// period. Closed: closed in the period and still closed. The closure bands split the closed ones by the time from receipt
/// to the firm's response. Upheld counts partly upheld ones too (FCA DISP 1 Annex 1); <see cref="PartlyUpheld"/> is the
/// part of them that was partly upheld. Redress paid: monetary redress of the closed ones, one sum per currency.
/// </summary>
public sealed record ReportFigures(
    long Opened,
    long Closed,
    long ClosedWithinThreeBusinessDays,
    long ClosedWithinEightWeeks,
    long ClosedAfterEightWeeks,
    long Upheld,
    long PartlyUpheld,
    long NotUpheld,
    long Withdrawn,
    IReadOnlyList<MoneyDto> RedressPaid);

/// <summary>The figures of the complaints with one product or root-cause code (null: none recorded).</summary>
public sealed record GroupFigures(string? Code, ReportFigures Figures);

/// <summary>Complaints where vulnerability is involved, and those of each FCA FG21/1 driver recorded with consent.</summary>
public sealed record VulnerabilityFigures(long Opened, long Closed, long Health, long LifeEvent, long Resilience, long Capability);

/// <summary>CFPB-style closure categories of the complaints closed in the period (mutually exclusive).</summary>
public sealed record ReliefFigures(long ClosedWithMonetaryRelief, long ClosedWithNonMonetaryRelief, long ClosedWithExplanation);

/// <summary>DOT-style disability complaints (14 CFR 382): received, closed, and closed ones whose dispositive response was on time.</summary>
public sealed record DisabilityFigures(long Opened, long Closed, long DispositiveResponseWithin30Days);

/// <summary>The regulator's return for a period of whole local days in the tenant's regulatory time zone.</summary>
public sealed record ComplaintsReportDto(
    DateOnly From,
    DateOnly To,
    string TimeZone,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    ReportFigures Totals,
    IReadOnlyList<GroupFigures> ByProduct,
    IReadOnlyList<GroupFigures> ByRootCause,
    VulnerabilityFigures Vulnerability,
    ReliefFigures Cfpb,
    DisabilityFigures Disability);
