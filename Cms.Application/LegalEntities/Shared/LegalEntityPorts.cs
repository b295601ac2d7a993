using Cms.Application.Common;
using Cms.Domain.LegalEntities;

namespace Cms.Application.LegalEntities;

/// <summary>A legal entity as callers read it.</summary>
public sealed record LegalEntityDto(Guid Id, string Name, string? FirmReferenceNumber, IReadOnlyList<FcaPermission> Permissions, bool IsDefault,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    public static LegalEntityDto From(LegalEntity e) =>
        new(e.Id, e.Name, e.FirmReferenceNumber, e.Permissions, e.IsDefault, e.CreatedAt, e.UpdatedAt, e.Version);
}

/// <summary>The tenant's legal entities. A firm reference number is unique per tenant (a second one loses on the key: 409).</summary>
public interface ILegalEntityRepository
{
    Task AddAsync(LegalEntity entity, CancellationToken cancellationToken);

    Task<LegalEntity?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>As <see cref="GetAsync"/>, its read (unless the entity is known already) queued to travel with the
    /// transaction's next load; the function, called after that load, gives the entity.</summary>
    Func<CancellationToken, Task<LegalEntity?>> GetAlong(Guid id) => cancellationToken => GetAsync(id, cancellationToken);

    /// <summary>The entity for a command that updates it: read from the database (not the service's cache) and, on
    /// PostgreSQL, locked until the transaction ends, so the version read is the version <see cref="UpdateAsync"/> finds.</summary>
    Task<LegalEntity?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> UpdateAsync(LegalEntity entity, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Records which legal entity a complaint (of the tenant in scope, written in this transaction) belongs to.</summary>
    Task AssignComplaintAsync(Guid complaintId, Guid legalEntityId, CancellationToken cancellationToken);
}

public interface ILegalEntityQueries
{
    /// <summary>The tenant's legal entities, oldest first (the default one was created with the tenant), keyset paged.</summary>
    Task<Page<LegalEntityDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken);
}

/// <summary>The legal entity a complaint is filed under: the named one of the caller's tenant, or the tenant's default.</summary>
public static class LegalEntityLookup
{
    public static async Task<Domain.Common.Result<LegalEntity>> ForFilingAsync(ILegalEntityRepository entities, Guid? legalEntityId, Guid tenantId,
        CancellationToken cancellationToken) =>
        await entities.GetAsync(legalEntityId ?? tenantId, cancellationToken) is { } entity
            ? entity
            // Another tenant's entity id is answered exactly like a missing one.
            : Domain.Common.Error.NotFound("legal_entity");
}
