using System.Globalization;
using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Application.Taxonomies;
using Cms.Domain.LegalEntities;
using Cms.Domain.Reports;
using Cms.Domain.Taxonomies;

namespace Cms.Application.Reports.FcaReturn;

/// <summary>The legal entity and period a return request names, checked.</summary>
public static class FcaReturnInput
{
    public static bool TryParsePeriod(string? text, out FcaReturnPeriod period)
    {
        var ok = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                 && FcaReturnPeriod.IsPeriodStart(day);
        period = new FcaReturnPeriod(day);
        return ok;
    }

    public static void Validate(Guid legalEntityId, string? periodStart, ValidationErrors errors)
    {
        errors.Id("legalEntityId", legalEntityId);
        if (!TryParsePeriod(periodStart, out _))
        {
            errors.Add("periodStart", "'periodStart' is the first day of a six-month reporting period: yyyy-01-01 or yyyy-07-01.");
        }
    }
}

/// <summary>
/// Computes the FCA return of an entity for a period: the period's bounds in the tenant's regulatory time zone, the
/// current FCA taxonomies (the tenant's published versions, else the built-in version 0), the database's aggregates,
/// laid out by <see cref="FcaReturnBuilder"/>. Shared by the live return, the unmapped list and the snapshots.
/// </summary>
public sealed class FcaReturnCalculator(ITenantRepository tenants, ITaxonomyQueries taxonomies, ILegalEntityRepository entities,
    IFcaReturnQueries queries, TenantScope scope)
{
    public Task<LegalEntity?> EntityAsync(Guid legalEntityId, CancellationToken cancellationToken) => entities.GetAsync(legalEntityId, cancellationToken);

    /// <summary>[local midnight starting the period, local midnight after its last day) as instants, and the zone.</summary>
    public async Task<(DateTimeOffset Start, DateTimeOffset End, string TimeZone)> BoundsAsync(FcaReturnPeriod period, CancellationToken cancellationToken)
    {
        // The profile (sector and jurisdiction, set once) is kept in the service once read: no round trip after the first.
        var profile = await tenants.ProfileAsync(scope.Required, cancellationToken)
                      ?? throw new InvalidOperationException("The caller's tenant does not exist.");
        var calendar = profile.Calendar;
        return (calendar.EndOfDay(period.Start.AddDays(-1)).AddTicks(1), calendar.EndOfDay(period.LastDay).AddTicks(1), calendar.TimeZoneId);
    }

    /// <summary>
    /// What an entity's return for the period is built from, in one round trip: the entity and the current FCA taxonomies
    /// (each unless the service holds it under the tenant's stamp) travel with the aggregates, as does a read the caller
    /// queued before (a snapshot's earlier snapshots); docs/adr/0011 part 8. Null when the tenant has no such entity (its
    /// aggregates, of no complaint, were read for nothing).
    /// </summary>
    public async Task<FcaReturnFigures?> ReadAsync(Guid legalEntityId, FcaReturnPeriod period, CancellationToken cancellationToken)
    {
        var (start, end, zone) = await BoundsAsync(period, cancellationToken);
        var entity = entities.GetAlong(legalEntityId);
        var products = taxonomies.GetAlong(TaxonomyKind.FcaProduct, null);
        var causes = taxonomies.GetAlong(TaxonomyKind.FcaCause, null);
        // The entity's own figures, and the unassigned complaints' too for the tenant's default entity (its id is the tenant's).
        var groups = await queries.GroupsAsync(legalEntityId, legalEntityId == scope.Required, start, end, cancellationToken);
        return await entity(cancellationToken) is { } found
            ? new FcaReturnFigures(found, period, zone, Version(TaxonomyKind.FcaProduct, await products(cancellationToken)),
                Version(TaxonomyKind.FcaCause, await causes(cancellationToken)), groups)
            : null;
    }

    /// <summary>The tenant's current version of an FCA or DOT taxonomy, else the built-in version 0.</summary>
    public async Task<FcaTaxonomyVersion> TaxonomyAsync(TaxonomyKind kind, CancellationToken cancellationToken) =>
        Version(kind, await taxonomies.GetAsync(kind, null, cancellationToken));

    private static FcaTaxonomyVersion Version(TaxonomyKind kind, TaxonomyDto? published) =>
        published is not null
            ? new FcaTaxonomyVersion(published.Version, [.. published.Entries.Select(e => new TaxonomyEntry(e.Code, e.Label))])
            : new FcaTaxonomyVersion(FcaReturnReference.BuiltInVersion,
                FcaReturnReference.BuiltIn(kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a reference taxonomy."));
}

/// <summary>What a return is built from (<see cref="FcaReturnCalculator.ReadAsync"/>); the contextual figures come last.</summary>
public sealed record FcaReturnFigures(LegalEntity Entity, FcaReturnPeriod Period, string TimeZone, FcaTaxonomyVersion Products,
    FcaTaxonomyVersion Causes, IReadOnlyList<FcaGroupRow> Groups)
{
    public FcaReturnDto Build(IReadOnlyDictionary<string, long>? context) =>
        FcaReturnBuilder.Build(Entity, Period, TimeZone, Products, Causes, Groups, context);
}
