using Cms.Application.Abstractions;
using Cms.Application.Reports.DotDisability;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Regulation;
using Cms.Domain.Taxonomies;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Reports;

/// <summary>The DOT disability report's aggregate: disability complaints received in [start, end), by the DOT category their
/// category maps to, with those whose dispositive-response deadline was met on time. Same SQL on both databases.</summary>
internal sealed class DotDisabilityQueries(QuerySession db, TenantScope scope) : IDotDisabilityQueries
{
    public async Task<IReadOnlyList<DotGroupRow>> GroupsAsync(DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken) =>
        [.. (await db.QueryAsync<GroupRow>(
            """
            SELECT m.target_code AS code, COUNT(*) AS received,
                   COUNT(*) FILTER (WHERE d.met_at IS NOT NULL AND d.met_at <= d.due_at) AS dispositive_response_within30_days
            FROM complaints c
            LEFT JOIN return_mappings m ON m.tenant_id = c.tenant_id AND m.target_kind = @Kind AND m.source_code = c.category
            LEFT JOIN complaint_deadlines d ON d.tenant_id = c.tenant_id AND d.complaint_id = c.id AND d.kind = @DispositiveKind
            WHERE c.tenant_id = @TenantId AND c.disability AND c.status <> @Merged AND c.received_at >= @Start AND c.received_at < @End
            GROUP BY m.target_code
            """,
            new
            {
                TenantId = scope.Required,
                Kind = TaxonomyKind.DotCategory.ToWire(),
                DispositiveKind = DeadlineKind.DisabilityDispositiveResponse.ToWire(),
                Merged = ComplaintStatus.Merged.ToWire(),
                Start = start,
                End = end,
            }, cancellationToken)).Select(r => new DotGroupRow(r.Code, r.Received, r.DispositiveResponseWithin30Days))];

    private sealed class GroupRow
    {
        public string? Code { get; init; }
        public long Received { get; init; }
        public long DispositiveResponseWithin30Days { get; init; }
    }
}
