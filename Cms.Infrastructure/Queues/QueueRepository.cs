using Cms.Application.Abstractions;
using Cms.Domain.Queues;
using Cms.Infrastructure.Persistence;

namespace Cms.Infrastructure.Queues;

/// <summary>The tenant's queues. A look-up by code (a filing into a queue, a move) is served from the service's cache under
/// the tenant's reference stamp, which creating or retiring a queue renews in its transaction (docs/adr/0011).</summary>
internal sealed class QueueRepository(DbSession db, TenantScope scope, ReferenceCache cache, ReferenceStamp stamp, LockedRows locked)
    : IQueueRepository
{
    private const string Table = "queues";

    /// <summary>The insert travels with COMMIT (docs/adr/0011); a code created concurrently fails there on its unique key
    /// (409), as it failed here before.</summary>
    public async Task AddAsync(Queue queue, CancellationToken cancellationToken)
    {
        await db.DeferAsync(
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
        await stamp.ChangedAsync(cancellationToken);
    }

    public async Task<Queue?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<QueueRow>($"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, cancellationToken))?.ToDomain();

    public async Task<Queue?> GetForUpdateAsync(Guid id, CancellationToken cancellationToken) =>
        (await locked.ReadAsync<QueueRow>(Table, id, $"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND id = @Id",
            new { TenantId = scope.Required, Id = id }, r => r.Version, cancellationToken))?.ToDomain();

    // The row is cached (immutable), the queue is built from it for each request (an aggregate is mutable).
    public Task<Queue?> FindByCodeAsync(string code, CancellationToken cancellationToken) => FindByCodeWithNextLoad(code)(cancellationToken);

    public Func<CancellationToken, Task<Queue?>> FindByCodeWithNextLoad(string code)
    {
        var row = cache.GetAlong<QueueRow>(stamp, $"queue:{code}", db,
            $"SELECT {QueueRow.Map.Columns} FROM queues WHERE tenant_id = @TenantId AND code = @Code", new { TenantId = scope.Required, Code = code });
        return async cancellationToken => (await row(cancellationToken))?.ToDomain();
    }

    public async Task<bool> UpdateAsync(Queue queue, long expectedVersion, CancellationToken cancellationToken)
    {
        var updated = await locked.UpdateAsync(Table, queue.Id, expectedVersion, queue.Version,
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
            cancellationToken);
        if (updated)
        {
            await stamp.ChangedAsync(cancellationToken);
        }

        return updated;
    }
}
