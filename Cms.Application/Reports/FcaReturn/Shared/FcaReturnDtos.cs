using Cms.Domain.LegalEntities;

namespace Cms.Application.Reports.FcaReturn;

/// <summary>
/// The figures of a set of complaints in the FCA return (docs/regulatory-returns.md): opened in the period, closed in it
/// (still closed), upheld (partly upheld counts), the closed ones by the time to the firm's response, and the monetary
/// redress of the closed ones in pounds sterling (minor units; the return is sterling only).
/// </summary>
public sealed record FcaFigures(long Opened, long Closed, long Upheld, long ClosedWithinThreeBusinessDays, long ClosedWithinEightWeeks,
    long ClosedAfterEightWeeks, long RedressPaidMinor)
{
    public static readonly FcaFigures Zero = new(0, 0, 0, 0, 0, 0, 0);

    public FcaFigures Plus(FcaFigures o) => new(Opened + o.Opened, Closed + o.Closed, Upheld + o.Upheld,
        ClosedWithinThreeBusinessDays + o.ClosedWithinThreeBusinessDays, ClosedWithinEightWeeks + o.ClosedWithinEightWeeks,
        ClosedAfterEightWeeks + o.ClosedAfterEightWeeks, RedressPaidMinor + o.RedressPaidMinor);
}

/// <summary>One product or cause of the FCA taxonomy and its figures.</summary>
public sealed record FcaLine(string Code, string Label, FcaFigures Figures);

/// <summary>A contextual figure of a section, supplied by the firm when it freezes the return (null until then).</summary>
public sealed record FcaContextValue(string Code, string Label, long? Value);

/// <summary>The section of one permission: its totals, every product of the section and every cause, and its context.</summary>
public sealed record FcaSection(FcaPermission Permission, FcaFigures Totals, IReadOnlyList<FcaLine> ByProduct, IReadOnlyList<FcaLine> ByCause,
    IReadOnlyList<FcaContextValue> Context);

/// <summary>PS25/19's two vulnerability data points, over the complaints opened in the period.</summary>
public sealed record FcaVulnerability(long ComplaintsFromVulnerableCustomers, long FailureToConsiderVulnerability);

/// <summary>
/// What keeps the return from being complete: complaints whose product or category maps to no FCA code (listed by
/// GET .../unmapped; a snapshot is refused while any remain), complaints of a product outside the entity's permissions,
/// and closed ones whose redress is not in pounds (not added to the sterling sum).
/// </summary>
public sealed record FcaDataQuality(long UnmappedProduct, long UnmappedCause, long OutsidePermissions, long RedressInOtherCurrencies)
{
    public bool BlocksSubmission => UnmappedProduct + UnmappedCause > 0;
}

/// <summary>The FCA consolidated complaints return (PS25/19) of one legal entity for a six-month period.</summary>
public sealed record FcaReturnDto(
    Guid LegalEntityId,
    string LegalEntityName,
    string? FirmReferenceNumber,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    string TimeZone,
    int ProductTaxonomyVersion,
    int CauseTaxonomyVersion,
    bool NilReturn,
    long OutstandingAtStart,
    FcaFigures Totals,
    IReadOnlyList<FcaSection> Sections,
    FcaVulnerability Vulnerability,
    FcaDataQuality DataQuality);

/// <summary>
/// One group of the database's aggregate: the complaints of one mapped FCA product and cause (null: unmapped).
/// <see cref="Counted"/> is every complaint of the group the return counts (opened, closed or outstanding at the start).
/// </summary>
public sealed record FcaGroupRow(string? Product, string? Cause, long Counted, long OutstandingAtStart, long Opened, long Closed, long Upheld,
    long ClosedWithinThreeBusinessDays, long ClosedWithinEightWeeks, long ClosedAfterEightWeeks, long RedressPaidMinor,
    long RedressInOtherCurrencies, long VulnerableOpened)
{
    public FcaFigures Figures => new(Opened, Closed, Upheld, ClosedWithinThreeBusinessDays, ClosedWithinEightWeeks, ClosedAfterEightWeeks,
        RedressPaidMinor);
}

/// <summary>A complaint that counts in the period's return but maps to no FCA product or cause (fix the mapping before submitting).</summary>
public sealed record UnmappedComplaintDto(Guid ComplaintId, string Reference, string Product, string Category, bool ProductUnmapped,
    bool CauseUnmapped);

/// <summary>The aggregates of the return, computed by the database over the complaints of one legal entity.</summary>
public interface IFcaReturnQueries
{
    /// <param name="includeUnassigned">The default entity also counts complaints that carry no entity (written by raw loaders).</param>
    Task<IReadOnlyList<FcaGroupRow>> GroupsAsync(Guid legalEntityId, bool includeUnassigned, DateTimeOffset start, DateTimeOffset end,
        CancellationToken cancellationToken);

    Task<IReadOnlyList<UnmappedComplaintDto>> UnmappedAsync(Guid legalEntityId, bool includeUnassigned, DateTimeOffset start, DateTimeOffset end,
        int limit, CancellationToken cancellationToken);
}
