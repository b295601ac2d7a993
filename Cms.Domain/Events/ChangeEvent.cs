namespace Cms.Domain.Events;

/// <summary>
/// One committed change as other systems see it (docs/events.md): what happened (<see cref="Type"/>, e.g.
/// <c>complaint.acknowledged</c>), to which entity and at which version, when, and which fields changed (names only).
/// Ids and names only, never personal data: a consumer who reads it fetches the entity through the API, where access
/// is checked. Its position in the tenant's feed is handed out when it is appended.
/// </summary>
public sealed record ChangeEvent(
    Guid Id,
    Guid TenantId,
    string Type,
    string EntityType,
    Guid EntityId,
    long EntityVersion,
    DateTimeOffset OccurredAt,
    IReadOnlyList<string> ChangedFields);
