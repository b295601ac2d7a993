using System.Text.Json;
using System.Text.Json.Serialization;
using Cms.Application.Abstractions;
using Cms.Application.Reports.FcaReturn;
using Cms.Application.Reports.FcaReturn.TakeFcaReturnSnapshot;
using Cms.Application.Reports.ReturnMappings;
using Cms.Domain.Common;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Reports;

/// <summary>The tenant's mappings onto the reference taxonomies (return_mappings). Replacing one clears the targets of
/// the kind, then writes the new ones: a code mapped before and not now stays as a row with no target.</summary>
internal sealed class ReturnMappingStore(DbSession db, TenantScope scope) : IReturnMappingStore
{
    public async Task<IReadOnlyList<ReturnMappingEntry>> GetAsync(TaxonomyKind kind, CancellationToken cancellationToken) =>
        await db.QueryAsync<ReturnMappingEntry>(
            """
            SELECT source_code AS Code, target_code AS TargetCode FROM return_mappings
            WHERE tenant_id = @TenantId AND target_kind = @Kind AND target_code IS NOT NULL ORDER BY source_code
            """, new { TenantId = scope.Required, Kind = kind.ToWire() }, cancellationToken);

    public async Task ReplaceAsync(TaxonomyKind kind, IReadOnlyList<ReturnMappingEntry> entries, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        // Nobody reads these writes' counts: they travel with the next statement (the answer's read) (docs/adr/0011).
        await db.DeferAsync("UPDATE return_mappings SET target_code = NULL, updated_at = @Now WHERE tenant_id = @TenantId AND target_kind = @Kind",
            new { TenantId = tenantId, Kind = kind.ToWire(), Now = now }, cancellationToken);
        if (entries.Count > 0)
        {
            await db.DeferAsync(
                """
                INSERT INTO return_mappings (tenant_id, target_kind, source_code, target_code, updated_at)
                VALUES (@TenantId, @Kind, @Code, @TargetCode, @Now)
                ON CONFLICT (tenant_id, target_kind, source_code) DO UPDATE SET target_code = excluded.target_code, updated_at = excluded.updated_at
                """,
                entries.Select(e => new { TenantId = tenantId, Kind = kind.ToWire(), e.Code, e.TargetCode, Now = now }).ToList(),
                cancellationToken);
        }
    }
}

/// <summary>fca_return_snapshots: the frozen figures and differences as JSON documents (counts and sums only).</summary>
internal sealed class FcaReturnSnapshotStore(DbSession db, TenantScope scope) : IFcaReturnSnapshotStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private const string Columns = "id, legal_entity_id, period_start, sequence, figures, differences, taken_by, taken_at";

    public async Task<IReadOnlyList<FcaReturnSnapshotDto>> ListAsync(Guid legalEntityId, DateOnly periodStart, CancellationToken cancellationToken) =>
        await ListAlong(legalEntityId, periodStart)(cancellationToken);

    /// <summary>The read travels with the return's aggregates (docs/adr/0011 part 8); alone when asked for first.</summary>
    public Func<CancellationToken, Task<IReadOnlyList<FcaReturnSnapshotDto>>> ListAlong(Guid legalEntityId, DateOnly periodStart)
    {
        var read = db.ReadRowsAlong<SnapshotRow>(
            $"""
            SELECT {Columns} FROM fca_return_snapshots
            WHERE tenant_id = @TenantId AND legal_entity_id = @LegalEntityId AND period_start = @PeriodStart ORDER BY sequence
            """, new { TenantId = scope.Required, LegalEntityId = legalEntityId, PeriodStart = Day(periodStart) });
        return async cancellationToken => [.. (await read(cancellationToken)).Select(r => new FcaReturnSnapshotDto(r.Id, r.LegalEntityId,
            periodStart, r.Sequence, JsonSerializer.Deserialize<FcaReturnDto>(r.Figures, Json)!,
            JsonSerializer.Deserialize<List<FcaDifference>>(r.Differences, Json)!, r.TakenBy, r.TakenAt))];
    }

    // Travels with COMMIT (docs/adr/0011 part 7); a concurrent snapshot of the same sequence loses on the key there (409),
    // as it did here.
    public Task AddAsync(FcaReturnSnapshotDto s, CancellationToken cancellationToken) =>
        db.DeferAsync(
            $"""
            INSERT INTO fca_return_snapshots (tenant_id, {Columns})
            VALUES (@TenantId, @Id, @LegalEntityId, @PeriodStart, @Sequence, @Figures, @Differences, @TakenBy, @TakenAt)
            """,
            new
            {
                TenantId = scope.Required,
                s.Id,
                s.LegalEntityId,
                PeriodStart = Day(s.PeriodStart),
                s.Sequence,
                Figures = JsonSerializer.Serialize(s.Return, Json),
                Differences = JsonSerializer.Serialize(s.Differences, Json),
                s.TakenBy,
                s.TakenAt,
            }, cancellationToken);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class SnapshotRow
    {
        public Guid Id { get; init; }
        public Guid LegalEntityId { get; init; }
        public int Sequence { get; init; }
        public string Figures { get; init; } = "";
        public string Differences { get; init; } = "";
        public Guid? TakenBy { get; init; }
        public DateTimeOffset TakenAt { get; init; }
    }
}
