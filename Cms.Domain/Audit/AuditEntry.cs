namespace Cms.Domain.Audit;

/// <summary>Who acted: a staff member (by id) or a platform operator (by subject).</summary>
public enum ActorType
{
    Staff,
    Platform,
}

/// <summary>
/// One entry of a tenant's audit trail: who did what to which entity, which fields changed, when, and under which trace.
/// <see cref="ChangedValues"/> is the stored document of the changed fields' old and new values, personal ones as
/// ciphertext under the consumer's key (null: names only, as every entry written before values were kept); the entry's
/// HMAC covers it as stored, so erasing the consumer (destroying the key) never breaks the chain.
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
    string? TraceId,
    string? ChangedValues = null);
