using Cms.Application.Abstractions;
using Cms.Application.LegalEntities;
using Cms.Domain.LegalEntities;

namespace Cms.Tests.Application.Fakes;

/// <summary>
/// The legal entities of the in-memory world, like the Dapper repository: the tenant in scope only, the version guard,
/// a duplicate firm reference number refused. Every tenant has its default entity (id = tenant id), as the migration and
/// tenant creation guarantee in the real tables.
/// </summary>
public sealed class FakeLegalEntityRepository(TenantScope scope) : ILegalEntityRepository
{
    private readonly Dictionary<Guid, LegalEntity> _entities = [];

    /// <summary>Which entity each complaint was assigned to.</summary>
    public Dictionary<Guid, Guid> ComplaintEntities { get; } = [];

    public Task AddAsync(LegalEntity entity, CancellationToken cancellationToken)
    {
        var tenantId = Guard.SameTenant(scope, entity.TenantId);
        if (entity.FirmReferenceNumber is { } frn
            && _entities.Values.Any(e => e.TenantId == tenantId && e.FirmReferenceNumber == frn))
        {
            throw Guard.Duplicate("legal_entities (tenant_id, firm_reference_number)");
        }

        _entities[entity.Id] = Copy(entity);
        return Task.CompletedTask;
    }

    public Task<LegalEntity?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var tenantId = scope.Required;
        if (_entities.TryGetValue(id, out var e) && e.TenantId == tenantId)
        {
            return Task.FromResult<LegalEntity?>(Copy(e));
        }

        return Task.FromResult(id == tenantId ? LegalEntity.Default(tenantId, "Default", true, DateTimeOffset.UnixEpoch) : null);
    }

    public Task<LegalEntity?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) => GetAsync(id, cancellationToken);

    public Task<bool> UpdateAsync(LegalEntity entity, long expectedVersion, CancellationToken cancellationToken)
    {
        Guard.SameTenant(scope, entity.TenantId);
        if (!_entities.TryGetValue(entity.Id, out var stored) || stored.Version != expectedVersion)
        {
            return Task.FromResult(false);
        }

        _entities[entity.Id] = Copy(entity);
        return Task.FromResult(true);
    }

    public Task AssignComplaintAsync(Guid complaintId, Guid legalEntityId, CancellationToken cancellationToken)
    {
        _ = scope.Required;
        ComplaintEntities[complaintId] = legalEntityId;
        return Task.CompletedTask;
    }

    private static LegalEntity Copy(LegalEntity e) =>
        LegalEntity.Restore(e.Id, e.TenantId, e.Name, e.FirmReferenceNumber, [.. e.Permissions], e.CreatedAt, e.UpdatedAt, e.Version);
}
