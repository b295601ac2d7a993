using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Domain.LegalEntities;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.LegalEntities;

/// <summary>The tenant's legal entities. A read by id (every filing makes one) is served from the service's cache under the
/// tenant's reference stamp (the row, immutable; each caller gets its own domain object); every write sets a new stamp
/// in its transaction.</summary>
internal sealed class LegalEntityRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp) : ILegalEntityRepository
{
    public async Task AddAsync(LegalEntity entity, CancellationToken cancellationToken)
    {
        await db.ExecuteAsync(LegalEntityRow.Map.Insert,
            LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)), cancellationToken);
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<LegalEntity?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await cache.GetAsync(stamp, $"legal-entity:{id:D}", () => db.QuerySingleOrDefaultAsync<LegalEntityRow>(
            $"SELECT {LegalEntityRow.Map.Columns} FROM legal_entities WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken)))?.ToDomain();

    public async Task<bool> UpdateAsync(LegalEntity entity, long expectedVersion, CancellationToken cancellationToken)
    {
        var p = new DynamicParameters(LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)));
        p.Add("ExpectedVersion", expectedVersion);
        if (await db.ExecuteAsync(
                $"UPDATE legal_entities SET {LegalEntityRow.Map.UpdateSet} WHERE {LegalEntityRow.Map.KeyEquals} AND version = @ExpectedVersion",
                p, cancellationToken) != 1)
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
