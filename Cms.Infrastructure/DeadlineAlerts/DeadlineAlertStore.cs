using Cms.Application.Abstractions;
using Cms.Application.DeadlineAlerts;
using Cms.Domain.Common;
using Cms.Domain.Regulation;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.DeadlineAlerts;

/// <summary>
/// deadline_alerts: one marker row per deadline (complaint, kind, due instant) and alert kind, its primary key the
/// exactly-once guard. A recomputed due instant (receipt corrected) is a new deadline with alerts of its own. Markers are
/// only inserted: no row is updated, so alerting never queues a tenant's writers behind a hot row.
/// </summary>
internal sealed class DeadlineAlertStore(DbSession db, TenantScope scope) : IDeadlineAlertStore
{
    public const string AtRisk = "at_risk";
    public const string Breached = "breached";

    /// <summary>The table's columns, written once (markers are inserted, never updated).</summary>
    public static readonly ColumnMap Map = new("deadline_alerts", keys: ["tenant_id", "complaint_id", "kind", "alert", "due_at"],
        setOnce: ["emitted_at"], mutable: []);

    // Most urgent first (the order of the due list); the same order on every instance, so two passes that race take the
    // markers' locks in one order and never deadlock. The open-due index (tenant_id, kind, due_at) serves the range.
    private const string CandidatesSql =
        $"""
        SELECT d.complaint_id AS ComplaintId, c.version AS ComplaintVersion, d.kind AS Kind, d.due_at AS DueAt
        FROM complaint_deadlines d
        JOIN complaints c ON c.tenant_id = d.tenant_id AND c.id = d.complaint_id
        WHERE d.tenant_id = @TenantId AND d.met_at IS NULL AND d.withdrawn_at IS NULL AND d.paused_at IS NULL
          AND d.kind <> 'summary_resolution' AND d.due_at <= @AtRiskUntil
          AND c.status <> 'closed' AND c.status <> 'merged'
          AND NOT EXISTS (
              SELECT 1 FROM deadline_alerts a
              WHERE a.tenant_id = d.tenant_id AND a.complaint_id = d.complaint_id AND a.kind = d.kind AND a.due_at = d.due_at
                AND a.alert = CASE WHEN d.due_at < @Now THEN '{Breached}' ELSE '{AtRisk}' END)
        ORDER BY d.due_at, d.complaint_id, d.kind
        LIMIT @Limit
        """;

    public async Task<IReadOnlyList<AlertCandidate>> CandidatesAsync(DateTimeOffset now, DateTimeOffset atRiskUntil, int limit,
        CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<CandidateRow>(CandidatesSql,
            new { TenantId = scope.Required, Now = now, AtRiskUntil = atRiskUntil, Limit = limit }, cancellationToken);
        return [.. rows.Select(r => new AlertCandidate(r.ComplaintId, r.ComplaintVersion, WireNames.Parse<DeadlineKind>(r.Kind), r.DueAt))];
    }

    public async Task<bool> MarkAsync(AlertCandidate candidate, DeadlineAlertKind kind, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            Map.Insert + " ON CONFLICT DO NOTHING",
            new
            {
                TenantId = scope.Required,
                candidate.ComplaintId,
                Kind = candidate.Kind.ToWire(),
                Alert = kind == DeadlineAlertKind.AtRisk ? AtRisk : Breached,
                candidate.DueAt,
                EmittedAt = now,
            },
            cancellationToken) == 1;

    private sealed class CandidateRow
    {
        public Guid ComplaintId { get; init; }
        public long ComplaintVersion { get; init; }
        public string Kind { get; init; } = "";
        public DateTimeOffset DueAt { get; init; }
    }
}
