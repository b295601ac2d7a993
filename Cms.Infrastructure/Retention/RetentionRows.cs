using Cms.Domain.Retention;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Retention;

/// <summary><c>retention_schedules</c>: one row per tenant that set a schedule (none: the default).</summary>
internal sealed class RetentionScheduleRow
{
    public static readonly ColumnMap Map = new("retention_schedules",
        keys: ["tenant_id"],
        setOnce: [],
        mutable: ["after_closure_days", "per_profile", "mifid_products", "updated_at"]);

    public Guid TenantId { get; init; }
    public int AfterClosureDays { get; init; }
    public string PerProfile { get; init; } = "{}";
    public string MifidProducts { get; init; } = "[]";
    public DateTimeOffset UpdatedAt { get; init; }

    public RetentionSchedule ToDomain() => new(AfterClosureDays,
        StoredJson.Deserialize<SortedDictionary<string, int>>(PerProfile), StoredJson.Deserialize<List<string>>(MifidProducts));

    public static RetentionScheduleRow From(Guid tenantId, RetentionSchedule schedule, DateTimeOffset now) => new()
    {
        TenantId = tenantId,
        AfterClosureDays = schedule.AfterClosureDays,
        PerProfile = StoredJson.Serialize(schedule.PerProfile),
        MifidProducts = StoredJson.Serialize(schedule.MifidProducts),
        UpdatedAt = now,
    };
}

/// <summary><c>retention_runs</c>: the retention job's lease, cursor and totals for one tenant.</summary>
internal sealed record RetentionRunRow
{
    public static readonly ColumnMap Map = new("retention_runs",
        keys: ["tenant_id"],
        setOnce: [],
        mutable:
        [
            "cursor_consumer_id", "lease_owner", "lease_until", "sweeps_completed", "last_completed_at", "erased", "held", "skipped",
            "batches", "updated_at",
        ]);

    public Guid TenantId { get; init; }
    public Guid? CursorConsumerId { get; init; }
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }
    public long SweepsCompleted { get; init; }
    public DateTimeOffset? LastCompletedAt { get; init; }
    public long Erased { get; init; }
    public long Held { get; init; }
    public long Skipped { get; init; }
    public long Batches { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One row of the candidates' scan: a consumer and one of its complaints.</summary>
internal sealed class RetentionCandidateRow
{
    public Guid ConsumerId { get; init; }
    public bool LegalHold { get; init; }
    public Guid ComplaintId { get; init; }
    public string Status { get; init; } = "";
    public string ProfileCode { get; init; } = "";
    public string? Product { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
}
