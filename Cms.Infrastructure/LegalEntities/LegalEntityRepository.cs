using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Domain.LegalEntities;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.LegalEntities;

/// <summary>The tenant's legal entities. A read by id (every filing makes one) is served from the service's cache under the
/// tenant's reference stamp (the row, immutable; each caller gets its own domain object); every write sets a new stamp
/// in its transaction.</summary>
internal sealed class LegalEntityRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp, LockedRows locked)
    : ILegalEntityRepository
{
    private const string Table = "legal_entities";

    /// <summary>The insert travels with COMMIT (docs/adr/0011); a firm reference number added concurrently fails there on
    /// its unique key (409), as it failed here before.</summary>
    public async Task AddAsync(LegalEntity entity, CancellationToken cancellationToken)
    {
        await db.DeferAsync(LegalEntityRow.Map.Insert,
            LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)), cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    private static readonly string ById = $"SELECT {LegalEntityRow.Map.Columns} FROM legal_entities WHERE tenant_id = @TenantId AND id = @Id";

    public async Task<LegalEntity?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await cache.GetAsync(stamp, $"legal-entity:{id:D}", () => db.QuerySingleOrDefaultAsync<LegalEntityRow>(
            ById, new { TenantId = scope.Required, Id = id }, cancellationToken)))?.ToDomain();

    public Func<CancellationToken, Task<LegalEntity?>> GetAlong(Guid id)
    {
        var row = cache.GetAlong<LegalEntityRow>(stamp, $"legal-entity:{id:D}", db, ById, new { TenantId = scope.Required, Id = id });
        return async cancellationToken => (await row(cancellationToken))?.ToDomain();
    }

    public async Task<LegalEntity?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) =>
        (await locked.ReadAsync<LegalEntityRow>(Table, id, ById, new { TenantId = scope.Required, Id = id }, r => r.Version, cancellationToken))?.ToDomain();

    public async Task<bool> UpdateAsync(LegalEntity entity, long expectedVersion, CancellationToken cancellationToken)
    {
        var p = new DynamicParametersBuilder(LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)))
            .With("ExpectedVersion", expectedVersion).Build();
        if (!await locked.UpdateAsync(Table, entity.Id, expectedVersion, entity.Version,
                $"UPDATE legal_entities SET {LegalEntityRow.Map.UpdateSet} WHERE {LegalEntityRow.Map.KeyEquals} AND version = @ExpectedVersion",
                p, cancellationToken))
        {
            return false;
        }

        await stamp.ChangedAsync(cancellationToken);
        return true;
    }

    public Task AssignComplaintAsync(Guid complaintId, Guid legalEntityId, CancellationToken cancellationToken) =>
        db.DeferAsync("UPDATE complaints SET legal_entity_id = @LegalEntityId WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = complaintId, LegalEntityId = legalEntityId }, cancellationToken);
}

internal sealed class LegalEntityQueries(QuerySession db, TenantScope scope) : ILegalEntityQueries
{
    public async Task<Page<LegalEntityDto>> ListAsync(int limit, CursorKey? after, CancellationToken cancellationToken)
    {
        var keyset = after is { At: not null } ? " AND (created_at, id) > (@AfterAt, @AfterId)" : "";
        var rows = await db.QueryAsync<LegalEntityRow>(
            $"SELECT {LegalEntityRow.Map.Columns} FROM legal_entities WHERE tenant_id = @TenantId{keyset} ORDER BY created_at, id LIMIT @Take",
            new
            {
                TenantId = scope.Required,
                AfterAt = after?.At ?? DateTimeOffset.UnixEpoch,
                AfterId = after?.Id ?? Guid.Empty,
                Take = limit + 1,
            }, cancellationToken);
        return Cursor.ToPage([.. rows.Select(r => LegalEntityDto.From(r.ToDomain()))], limit, e => new CursorKey(e.CreatedAt, e.Id));
    }
}
