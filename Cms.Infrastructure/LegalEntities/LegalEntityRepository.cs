using Cms.Application.Abstractions;
using Cms.Application.Common;
using Cms.Application.LegalEntities;
using Cms.Domain.LegalEntities;
using Cms.Infrastructure.Persistence;
using Dapper;

namespace Cms.Infrastructure.LegalEntities;

internal sealed class LegalEntityRepository(DbSession db, TenantScope scope) : ILegalEntityRepository
{
    public Task AddAsync(LegalEntity entity, CancellationToken cancellationToken) =>
        db.ExecuteAsync(LegalEntityRow.Map.Insert,
            LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)), cancellationToken);

    public async Task<LegalEntity?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<LegalEntityRow>(
            $"SELECT {LegalEntityRow.Map.Columns} FROM legal_entities WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<bool> UpdateAsync(LegalEntity entity, long expectedVersion, CancellationToken cancellationToken)
    {
        var p = new DynamicParameters(LegalEntityRow.Parameters(entity, TenantGuard.Check(scope, entity.TenantId)));
        p.Add("ExpectedVersion", expectedVersion);
        return await db.ExecuteAsync(
            $"UPDATE legal_entities SET {LegalEntityRow.Map.UpdateSet} WHERE {LegalEntityRow.Map.KeyEquals} AND version = @ExpectedVersion",
            p, cancellationToken) == 1;
    }

    public Task AssignComplaintAsync(Guid complaintId, Guid legalEntityId, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE complaints SET legal_entity_id = @LegalEntityId WHERE tenant_id = @TenantId AND id = @Id",
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
