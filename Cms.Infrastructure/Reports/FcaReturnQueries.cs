using Cms.Application.Abstractions;
using Cms.Application.Reports.FcaReturn;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.Reports;

/// <summary>
/// The FCA return's aggregates over one legal entity's complaints, grouped by the FCA product and cause their product and
/// category map to (return_mappings; NULL: unmapped). One statement, the same on PostgreSQL and SQLite; no complaint row
/// is loaded into the service, and nothing personal is read (docs/regulatory-returns.md defines each figure).
/// </summary>
internal sealed class FcaReturnQueries(QuerySession db, TenantScope scope) : IFcaReturnQueries
{
    private const string Closed = "c.status = @ClosedStatus AND c.closed_at >= @Start AND c.closed_at < @End";

    private static string From(bool includeUnassigned) =>
        $"""
        FROM complaints c
        LEFT JOIN return_mappings mp ON mp.tenant_id = c.tenant_id AND mp.target_kind = @ProductKind AND mp.source_code = c.product
        LEFT JOIN return_mappings mc ON mc.tenant_id = c.tenant_id AND mc.target_kind = @CauseKind AND mc.source_code = c.category
        WHERE c.tenant_id = @TenantId
          AND {(includeUnassigned ? "(c.legal_entity_id = @EntityId OR c.legal_entity_id IS NULL)" : "c.legal_entity_id = @EntityId")}
          AND c.status <> @Merged AND c.received_at < @End AND (c.closed_at IS NULL OR c.closed_at >= @Start)
        """;

    public async Task<IReadOnlyList<FcaGroupRow>> GroupsAsync(Guid legalEntityId, bool includeUnassigned, DateTimeOffset start, DateTimeOffset end,
        CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<GroupRow>(
            $"""
            SELECT mp.target_code AS product, mc.target_code AS cause,
                   COUNT(*) AS counted,
                   COUNT(*) FILTER (WHERE c.received_at < @Start) AS outstanding_at_start,
                   COUNT(*) FILTER (WHERE c.received_at >= @Start) AS opened,
                   COUNT(*) FILTER (WHERE {Closed}) AS closed,
                   COUNT(*) FILTER (WHERE {Closed} AND (c.outcome = @Upheld OR c.outcome = @PartlyUpheld)) AS upheld,
                   COUNT(*) FILTER (WHERE {Closed} AND c.closure_band = @WithinThree) AS closed_within_three_business_days,
                   COUNT(*) FILTER (WHERE {Closed} AND c.closure_band = @WithinEight) AS closed_within_eight_weeks,
                   COUNT(*) FILTER (WHERE {Closed} AND c.closure_band = @AfterEight) AS closed_after_eight_weeks,
                   CAST(COALESCE(SUM(CASE WHEN {Closed} AND c.redress_currency = @Sterling AND c.redress_amount_minor > 0
                                          THEN c.redress_amount_minor ELSE 0 END), 0) AS BIGINT) AS redress_paid_minor,
                   COUNT(*) FILTER (WHERE {Closed} AND c.redress_amount_minor > 0 AND c.redress_currency <> @Sterling) AS redress_in_other_currencies,
                   COUNT(*) FILTER (WHERE c.received_at >= @Start AND c.vulnerability_involved) AS vulnerable_opened
            {From(includeUnassigned)}
            GROUP BY mp.target_code, mc.target_code
            """, Parameters(legalEntityId, start, end), cancellationToken);
        return [.. rows.Select(r => new FcaGroupRow(r.Product, r.Cause, r.Counted, r.OutstandingAtStart, r.Opened, r.Closed, r.Upheld,
            r.ClosedWithinThreeBusinessDays, r.ClosedWithinEightWeeks, r.ClosedAfterEightWeeks, r.RedressPaidMinor, r.RedressInOtherCurrencies,
            r.VulnerableOpened))];
    }

    public async Task<IReadOnlyList<UnmappedComplaintDto>> UnmappedAsync(Guid legalEntityId, bool includeUnassigned, DateTimeOffset start,
        DateTimeOffset end, int limit, CancellationToken cancellationToken)
    {
        var p = Parameters(legalEntityId, start, end);
        p.Add("Limit", limit);
        var rows = await db.QueryAsync<UnmappedRow>(
            $"""
            SELECT c.id, c.reference, c.product, c.category, mp.target_code AS product_target, mc.target_code AS cause_target
            {From(includeUnassigned)}
              AND (mp.target_code IS NULL OR mc.target_code IS NULL)
            ORDER BY c.received_at, c.id
            LIMIT @Limit
            """, p, cancellationToken);
        return [.. rows.Select(r => new UnmappedComplaintDto(r.Id, r.Reference, r.Product, r.Category, r.ProductTarget is null, r.CauseTarget is null))];
    }

    private DynamicParameters Parameters(Guid legalEntityId, DateTimeOffset start, DateTimeOffset end)
    {
        var p = new DynamicParameters();
        p.Add("TenantId", scope.Required);
        p.Add("EntityId", legalEntityId);
        p.Add("Start", start);
        p.Add("End", end);
        p.Add("ProductKind", TaxonomyKind.FcaProduct.ToWire());
        p.Add("CauseKind", TaxonomyKind.FcaCause.ToWire());
        p.Add("ClosedStatus", ComplaintStatus.Closed.ToWire());
        p.Add("Merged", ComplaintStatus.Merged.ToWire());
        p.Add("Upheld", Outcome.Upheld.ToWire());
        p.Add("PartlyUpheld", Outcome.PartlyUpheld.ToWire());
        p.Add("WithinThree", ClosureBand.WithinThreeBusinessDays.ToWire());
        p.Add("WithinEight", ClosureBand.WithinEightWeeks.ToWire());
        p.Add("AfterEight", ClosureBand.AfterEightWeeks.ToWire());
        p.Add("Sterling", "GBP");
        return p;
    }

    private sealed class GroupRow
    {
        public string? Product { get; init; }
        public string? Cause { get; init; }
        public long Counted { get; init; }
        public long OutstandingAtStart { get; init; }
        public long Opened { get; init; }
        public long Closed { get; init; }
        public long Upheld { get; init; }
        public long ClosedWithinThreeBusinessDays { get; init; }
        public long ClosedWithinEightWeeks { get; init; }
        public long ClosedAfterEightWeeks { get; init; }
        public long RedressPaidMinor { get; init; }
        public long RedressInOtherCurrencies { get; init; }
        public long VulnerableOpened { get; init; }
    }

    private sealed class UnmappedRow
    {
        public Guid Id { get; init; }
        public string Reference { get; init; } = "";
        public string Product { get; init; } = "";
        public string Category { get; init; } = "";
        public string? ProductTarget { get; init; }
        public string? CauseTarget { get; init; }
    }
}
