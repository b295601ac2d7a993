using Cms.Application.Abstractions;
using Cms.Application.Retention;
using Cms.Domain.Common;
using Cms.Domain.Complaints;
using Cms.Domain.Retention;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Retention;

/// <summary>The tenant's retention schedule and the scan of the consumers that can be due (the tenant in scope).</summary>
internal sealed class RetentionStore(DbSession db, TenantScope scope) : IRetentionStore
{
    private static readonly string Upsert =
        $"{RetentionScheduleRow.Map.Insert} ON CONFLICT (tenant_id) DO UPDATE SET {RetentionScheduleRow.Map.UpdateSet}";

    public async Task<RetentionSchedule> GetScheduleAsync(CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<RetentionScheduleRow>(
            $"SELECT {RetentionScheduleRow.Map.Columns} FROM retention_schedules WHERE tenant_id = @TenantId",
            new { TenantId = scope.Required }, cancellationToken))?.ToDomain() ?? RetentionSchedule.Default;

    public Task SaveScheduleAsync(RetentionSchedule schedule, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ExecuteAsync(Upsert, RetentionScheduleRow.From(scope.Required, schedule, now), cancellationToken);

    public async Task<IReadOnlyList<RetentionCandidate>> CandidatesAsync(Guid? after, int take, DateTimeOffset closedBefore,
        CancellationToken cancellationToken)
    {
        // The consumers first (keyset by id, through the primary key), then all their complaints: whether one is open
        // decides as much as whether one is closed long enough.
        var rows = await db.QueryAsync<RetentionCandidateRow>(
            $"""
            SELECT p.id AS consumer_id, p.legal_hold, k.id AS complaint_id, k.status, k.profile_code, k.product, k.received_at, k.closed_at
            FROM (SELECT id, legal_hold FROM consumers
                  WHERE tenant_id = @TenantId AND erased_at IS NULL {(after is null ? "" : "AND id > @After")}
                    AND EXISTS (SELECT 1 FROM complaints c WHERE c.tenant_id = @TenantId AND c.consumer_id = consumers.id
                                AND c.status IN (@Closed, @Merged) AND c.closed_at < @ClosedBefore)
                  ORDER BY id LIMIT @Take) p
            JOIN complaints k ON k.tenant_id = @TenantId AND k.consumer_id = p.id
            ORDER BY p.id, k.id
            """,
            new
            {
                TenantId = scope.Required,
                After = after ?? Guid.Empty,
                Closed = ComplaintStatus.Closed.ToWire(),
                Merged = ComplaintStatus.Merged.ToWire(),
                ClosedBefore = closedBefore,
                Take = take,
            }, cancellationToken);
        return [.. rows.GroupBy(r => r.ConsumerId).Select(g => new RetentionCandidate(g.Key, g.First().LegalHold,
            [.. g.Select(r => new RetainedComplaint(r.ComplaintId, IsClosed(r.Status), r.ProfileCode, r.Product ?? "", r.ReceivedAt, r.ClosedAt))]))];
    }

    private static bool IsClosed(string status) => WireNames.Parse<ComplaintStatus>(status) is ComplaintStatus.Closed or ComplaintStatus.Merged;
}
