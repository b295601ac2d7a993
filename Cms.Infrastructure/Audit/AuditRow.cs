using Cms.Application.Audit;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

/// <summary>An audit_entries row: the entry, its own HMAC, and its link in the tenant's chain (seq 0 until linked).</summary>
internal sealed class AuditRow
{
    public Guid TenantId { get; init; }
    public Guid Id { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public string ActorType { get; init; } = "";
    public string ActorId { get; init; } = "";
    public string Action { get; init; } = "";
    public string EntityType { get; init; } = "";
    public Guid EntityId { get; init; }
    public string ChangedFields { get; init; } = "[]";
    public string? TraceId { get; init; }
    public string? ChangedValues { get; init; }

    public long Seq { get; init; }
    public string PrevHash { get; init; } = "";
    public string Hash { get; init; } = "";
    public string EntryHmac { get; init; } = "";
    public long WriteId { get; init; }

    /// <summary>The entry's columns. The chain link (seq, prev_hash, hash) is written with the entry and, on PostgreSQL, set
    /// once more by the sealer's link function; write_id comes from the database (a sequence on PostgreSQL).</summary>
    public static readonly ColumnMap Map = new("audit_entries", keys: ["tenant_id", "id"],
        setOnce: ["occurred_at", "actor_type", "actor_id", "action", "entity_type", "entity_id", "changed_fields", "trace_id", "changed_values",
            "entry_hmac", "seq", "prev_hash", "hash"],
        mutable: [], readOnly: ["write_id"]);

    public AuditEntry ToEntry(Guid tenantId) =>
        new(Id, tenantId, OccurredAt, WireNames.Parse<ActorType>(ActorType), ActorId, Action, EntityType, EntityId,
            StoredJson.Deserialize<string[]>(ChangedFields), TraceId, ChangedValues);

    public ChainedAuditEntry ToChained(Guid tenantId) => new(ToEntry(tenantId), Seq, PrevHash, Hash, EntryHmac);

    /// <summary>The row of an entry with its HMAC and its link (seq 0 and empty hashes: not linked yet).</summary>
    public static AuditRow From(AuditEntry e, string entryHmac, long seq, string previousHash, string hash) => new()
    {
        TenantId = e.TenantId,
        Id = e.Id,
        OccurredAt = e.OccurredAt,
        ActorType = e.ActorType.ToWire(),
        ActorId = e.ActorId,
        Action = e.Action,
        EntityType = e.EntityType,
        EntityId = e.EntityId,
        ChangedFields = StoredJson.Serialize(e.ChangedFields),
        TraceId = e.TraceId,
        ChangedValues = e.ChangedValues,
        EntryHmac = entryHmac,
        Seq = seq,
        PrevHash = previousHash,
        Hash = hash,
    };
}
