using Cms.Domain.Audit;

namespace Cms.Application.Audit;

public sealed record AuditEntryDto(
    Guid Id,
    DateTimeOffset OccurredAt,
    ActorType ActorType,
    string ActorId,
    string Action,
    string EntityType,
    Guid EntityId,
    IReadOnlyList<string> ChangedFields,
    string? TraceId);
