using Cms.Application.Events;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Events;

internal sealed class EventRow
{
    public long Position { get; init; }
    public Guid Id { get; init; }
    public string Type { get; init; } = "";
    public string EntityType { get; init; } = "";
    public Guid EntityId { get; init; }
    public long EntityVersion { get; init; }
    public string ChangedFields { get; init; } = "[]";
    public DateTimeOffset OccurredAt { get; init; }

    public const string Columns = "position, id, type, entity_type, entity_id, entity_version, changed_fields, occurred_at";

    public EventDto ToDto() => new(Position, Id, Type, EntityType, EntityId, EntityVersion, OccurredAt,
        StoredJson.Deserialize<string[]>(ChangedFields));
}
