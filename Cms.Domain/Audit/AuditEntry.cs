namespace Cms.Domain.Audit;

/// <summary>Who acted: a staff member (by id) or a platform operator (by subject).</summary>
public enum ActorType
{
    Staff,
    Platform,
}

/// <summary>
/// One entry of a tenant's audit trail: who did what to which entity, which fields changed (names only), when,
/// and under which trace. Holds ids, never personal data, so erasing a consumer never touches the trail.
/// </summary>
public sealed record AuditEntry(
    Guid Id,
    Guid TenantId,
    DateTimeOffset OccurredAt,
    ActorType ActorType,
    string ActorId,
    string Action,
    string EntityType,
    Guid EntityId,
    IReadOnlyList<string> ChangedFields,
    string? TraceId);
