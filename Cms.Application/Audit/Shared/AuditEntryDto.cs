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
    string? TraceId)
{
    /// <summary>The old and new values of the changed fields where the entry kept them (personal ones null once the
    /// consumer is erased); null for entries that name fields only.</summary>
    public IReadOnlyList<FieldChangeDto>? Changes { get; init; }
}
