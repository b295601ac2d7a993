using Cms.Application.Audit;
using Cms.Domain.Audit;
using Cms.Domain.Common;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Audit;

internal sealed class AuditRow
{
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

    public const string Columns = "id, occurred_at, actor_type, actor_id, action, entity_type, entity_id, changed_fields, trace_id, changed_values";

    public AuditEntry ToEntry(Guid tenantId) =>
        new(Id, tenantId, OccurredAt, WireNames.Parse<ActorType>(ActorType), ActorId, Action, EntityType, EntityId,
            StoredJson.Deserialize<string[]>(ChangedFields), TraceId, ChangedValues);

    public ChainedAuditEntry ToChained(Guid tenantId) => new(ToEntry(tenantId), Seq, PrevHash, Hash, EntryHmac);

    public static object Parameters(AuditEntry e) => new
    {
        e.TenantId,
        e.Id,
        e.OccurredAt,
        ActorType = e.ActorType.ToWire(),
        e.ActorId,
        e.Action,
        e.EntityType,
        e.EntityId,
        ChangedFields = StoredJson.Serialize(e.ChangedFields),
        e.TraceId,
        e.ChangedValues,
    };
}
