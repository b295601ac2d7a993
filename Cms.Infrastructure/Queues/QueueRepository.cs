using Cms.Application.Abstractions;
using Cms.Domain.Queues;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Queues;

internal sealed class QueueRepository(DbSession db, TenantScope scope) : IQueueRepository
{
    public Task AddAsync(Queue queue, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            QueueRow.Map.Insert,
            new
            {
                TenantId = TenantGuard.Check(scope, queue.TenantId),
                queue.Id,
                queue.Code,
                queue.Name,
                queue.RetiredAt,
                queue.CreatedAt,
                queue.UpdatedAt,
                queue.Version,
            },
            cancellationToken);

    public async Task<Queue?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<Queue?> FindByCodeAsync(string code, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND code = @Code",
            new { TenantId = scope.Required, Code = code }, cancellationToken))?.ToDomain();

    public async Task<bool> UpdateAsync(Queue queue, long expectedVersion, CancellationToken cancellationToken) =>
        await db.ExecuteAsync(
            $"UPDATE queues SET {QueueRow.Map.UpdateSet} WHERE {QueueRow.Map.KeyEquals} AND version = @ExpectedVersion",
            new
            {
                TenantId = TenantGuard.Check(scope, queue.TenantId),
                queue.Id,
                queue.RetiredAt,
                queue.UpdatedAt,
                queue.Version,
                ExpectedVersion = expectedVersion,
            },
            cancellationToken) == 1;
}
